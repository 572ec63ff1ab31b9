package integration

import "time"

// Container and TTL nodes (createContainer, createTTL), reaped by the server.

func init() {
	register(
		scenario{"container_create", func(s *S) {
			c := s.Connect(0)
			c.CreateContainer("c", "data")
			c.Exists("c", false)
			c.CreateContainer("c", "")
			c.CreateContainer("missing/c", "")
			c.Create("c/kid", "", modePersistent)
			c.Children2("c", false)
			c.Delete("c/kid", -1)
			c.Delete("c", -1)
		}},
		scenario{"container_reaped_after_last_child", func(s *S) {
			c, w := s.Connect(0), s.Connect(0)
			c.CreateContainer("c", "")
			c.Create("c/kid", "", modeEphemeral)
			w.Exists("c", true)
			w.Children("", true)
			c.Delete("c/kid", -1)
			s.WaitGone(c, "c", 5*time.Second)
			w.Events()
			c.Children2("", false)
		}},
		scenario{"container_never_used_kept", func(s *S) {
			c := s.Connect(0)
			c.CreateContainer("c", "")
			s.Advance(400 * time.Millisecond)
			c.Exists("c", false)
			c.Delete("c", -1)
		}},
		scenario{"container_bad_flags", func(s *S) {
			c := s.Connect(0)
			c.create(opCreateContainer, "c1", "", modePersistent, openACL, 0)
			c.create(opCreateContainer, "c2", "", modeEphemeral, openACL, 0)
			c.create(opCreate, "c3", "", modeContainer, openACL, 0)
			c.Exists("c3", false)
			c.Delete("c1", -1)
			c.Delete("c3", -1)
		}},
		scenario{"ttl_create", func(s *S) {
			c := s.Connect(0)
			c.CreateTTL("t", "x", modeTTL, 60000)
			c.CreateTTL("q/", "", modeTTLSequential, 60000)
			c.Create("q", "", modePersistent)
			c.CreateTTL("q/s", "", modeTTLSequential, 60000)
			c.Get("t", false)
			c.Children2("q", false)
			c.Delete("t", -1)
			c.Delete("q/s0000000000", -1)
			c.Delete("q0000000001", -1)
		}},
		scenario{"ttl_bad_arguments", func(s *S) {
			c := s.Connect(0)
			c.CreateTTL("t0", "", modeTTL, 0)
			c.CreateTTL("tneg", "", modeTTL, -5)
			c.CreateTTL("thuge", "", modeTTL, 1<<41)
			c.CreateTTL("tmax", "", modeTTL, 1<<40-1)
			c.CreateTTL("tover", "", modeTTL, 1<<40)
			c.CreateTTL("tone", "", modeTTL, 1)
			c.Delete("tmax", -1)
			c.Delete("tone", -1)
			c.CreateTTL("teph", "", modeEphemeral, 1000)
			c.CreateTTL("tplain", "", modePersistent, 1000)
			c.CreateTTL("tcont", "", modeContainer, 1000)
			c.create(opCreate, "viaCreate", "", modeTTL, openACL, 0)
			c.create(opCreate2, "viaCreate2", "", modeTTL, openACL, 0)
			c.Children("", false)
		}},
		scenario{"ttl_expires", func(s *S) {
			c, w := s.Connect(0), s.Connect(0)
			c.CreateTTL("t", "", modeTTL, 300)
			w.Get("t", true)
			s.Advance(300 * time.Millisecond)
			s.WaitGone(c, "t", 5*time.Second)
			w.Events()
		}},
		scenario{"ttl_touched_by_set_lives_on", func(s *S) {
			c := s.Connect(0)
			c.CreateTTL("t", "", modeTTL, 800)
			c.CreateTTL("keep", "", modeTTL, 800)
			c.Create("keep/kid", "", modePersistent)
			s.WaitGone(c, "t", 5*time.Second)
			c.Exists("keep", false)
			c.Delete("keep/kid", -1)
			s.WaitGone(c, "keep", 5*time.Second)
		}},
	)
}
