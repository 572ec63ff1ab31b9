package integration

import "time"

// Sessions: timeout negotiation, reattach with the right and wrong password,
// unknown sessions, closeSession, and expiry removing ephemerals and firing
// watches.

func init() {
	register(
		scenario{"session_timeout_negotiation", func(s *S) {
			s.Connect(100)
			s.Connect(1000)
			s.Connect(2500)
			s.Connect(10000)
			s.Connect(60000)
			s.Connect(-5)
		}},
		scenario{"session_reattach", func(s *S) {
			c, o := s.Connect(0), s.Connect(0)
			c.Create("e", "", modeEphemeral)
			last := c.lastZxid()
			c.Drop()
			c2 := s.Reattach(c, last)
			c2.Exists("e", false)
			c2.Create("e2", "", modeEphemeral)
			o.Exists("e2", false)
			c2.Close()
			o.Exists("e", false)
			o.Exists("e2", false)
		}},
		scenario{"session_reattach_while_connected", func(s *S) {
			c := s.Connect(0)
			c.Create("e", "", modeEphemeral)
			c2 := s.Reattach(c, c.lastZxid())
			c2.Exists("e", false)
			c.Get("e", false)
		}},
		scenario{"session_wrong_password", func(s *S) {
			c, o := s.Connect(0), s.Connect(0)
			c.Create("e", "", modeEphemeral)
			c.Drop()
			s.Reattach(&client{name: c.name, sid: c.sid, timeout: c.timeout, passwd: []byte("0123456789abcdef")}, 0)
			o.Exists("e", false)
		}},
		scenario{"session_unknown_id", func(s *S) {
			c, o := s.Connect(0), s.Connect(0)
			c.Close()
			s.Reattach(c, 0)
			s.Reattach(&client{name: "ghost", sid: 0x12345678, timeout: 4000, passwd: o.passwd}, 0)
		}},
		scenario{"session_close_removes_ephemerals", func(s *S) {
			c, o := s.Connect(0), s.Connect(0)
			c.Create("p", "", modePersistent)
			c.Create("p/e1", "", modeEphemeral)
			c.Create("p/e2", "", modeEphSeq)
			c.Create("e3", "", modeEphemeral)
			o.Children("p", true)
			o.Exists("e3", true)
			c.Close()
			o.EventsUnordered()
			o.Children2("p", false)
			o.Children2("", false)
		}},
		scenario{"session_close_twice", func(s *S) {
			c := s.Connect(1000)
			c.Close()
			o := s.Connect(0)
			o.Exists("", false)
		}},
		scenario{"session_last_zxid_ahead", func(s *S) {
			c := s.Connect(0)
			c.Create("a", "", modePersistent)
			c.Drop()
			c2, err := dial(s.tg.addr, 4000, c.sid, c.passwd, c.lastZxid()+1000)
			if err != nil {
				s.logf("reattach with a future zxid -> %v", err)
				return
			}
			s.logf("reattach with a future zxid -> timeout=%d", c2.timeout)
			c2.nc.Close()
		}},
		scenario{"session_expiry", func(s *S) {
			c, o := s.Connect(1000), s.Connect(0)
			c.Create("p", "", modePersistent)
			c.Create("p/e", "", modeEphemeral)
			c.Create("e", "", modeEphSeq)
			o.Exists("p/e", true)
			o.Children("p", true)
			o.AddWatch("", 1)
			last := c.lastZxid()
			s.Expire(c, o, "p/e")
			o.EventsUnordered()
			o.Children2("p", false)
			o.Children2("", false)
			s.Reattach(c, last)
		}},
		scenario{"session_expiry_connection_open", func(s *S) {
			// The client stays connected but sends nothing, pings included.
			c, o := s.Connect(1000), s.Connect(0)
			c.Create("e", "", modeEphemeral)
			s.Advance(1000 * time.Millisecond)
			s.WaitGone(o, "e", 5*time.Second)
			s.ended[c.sid] = true
			select {
			case <-c.done:
				s.logf("s1 connection closed by the server")
			case <-time.After(3 * time.Second):
				s.logf("s1 connection still open")
			}
			c.logEvents()
		}},
		scenario{"session_reattach_new_timeout", func(s *S) {
			c := s.Connect(2000)
			c.Drop()
			n, err := dial(s.tg.addr, 8000, c.sid, c.passwd, 0)
			if err != nil {
				s.fatalf("reattach: %v", err)
			}
			s.logf("reattach asking 8000 -> timeout=%d same session=%v", n.timeout, n.sid == c.sid)
			n.s, n.name = s, c.name
			s.clients = append(s.clients, n)
			n.Exists("", false)
		}},
		scenario{"session_ping_keeps_alive", func(s *S) {
			c, o := s.Connect(1000), s.Connect(0)
			c.Create("e", "", modeEphemeral)
			for i := 0; i < 5; i++ {
				s.Advance(300 * time.Millisecond)
				c.Events()
			}
			o.Exists("e", false)
		}},
		scenario{"session_expiry_watcher_own_ephemeral", func(s *S) {
			c, o := s.Connect(1000), s.Connect(0)
			c.Create("e", "", modeEphemeral)
			c.Exists("e", true)
			s.Expire(c, o, "e")
			o.GetEphemerals("")
		}},
	)
}
