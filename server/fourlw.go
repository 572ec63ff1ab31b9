package server

func isFourLetterWord(w string) bool {
	switch w {
	case "ruok", "srvr", "stat", "mntr", "conf", "cons", "envi", "wchs", "wchc", "wchp", "dump", "isro",
		"crst", "srst", "dirs", "gtmk", "stmk", "hash":
		return true
	}
	return false
}

func (s *Server) fourLetterWord(c *conn, word string) {
	c.enqueueRaw([]byte("imok"))
}
