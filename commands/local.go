package commands

// startLocalServer starts the bundled server for --local; set by local_server.go once the server
// package is available. It returns the address and a function that stops the server.
var startLocalServer func(dataDir string) (addr string, stop func(), err error)

// startLocal starts the bundled in-process server and points the settings at it.
func (e *Env) startLocal() error {
	if startLocalServer == nil {
		return usageErrorf("zksh", "--local: this build has no bundled server")
	}
	if e.localStarted {
		return nil
	}
	addr, stop, err := startLocalServer(e.Settings.DataDir)
	if err != nil {
		return &ExitError{Code: ExitUnavailable, Op: "--local", Err: err}
	}
	e.localStarted = true
	e.closers = append(e.closers, stop)
	e.Settings.Server = addr
	if e.line != nil {
		e.line.Server = addr
	}
	return nil
}
