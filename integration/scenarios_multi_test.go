package integration

// multi (14) and multiRead (22): success and failure result encoding,
// all-or-nothing application, and every create variant inside a multi.

func init() {
	register(
		scenario{"multi_success", func(s *S) {
			c := s.Connect(0)
			c.Create("x", "", modePersistent)
			c.Multi(
				mCreate("a", "1", modePersistent),
				mCreate2("a/b", "2", modePersistent),
				mSet("a", "3", 0),
				mCheck("a", 1),
				mCheck("x", 0),
				mDelete("x", 0),
			)
			c.Get("a", false)
			c.Children2("", false)
		}},
		scenario{"multi_failure_rolls_back", func(s *S) {
			c := s.Connect(0)
			c.Create("x", "0", modePersistent)
			c.Multi(
				mCreate("a", "", modePersistent),
				mSet("x", "changed", -1),
				mCheck("x", 5),
				mCreate("b", "", modePersistent),
			)
			c.Exists("a", false)
			c.Get("x", false)
			c.Children2("", false)
		}},
		scenario{"multi_failure_first_op", func(s *S) {
			c := s.Connect(0)
			c.Multi(mDelete("missing", -1), mCreate("a", "", modePersistent))
			c.Multi(mCreate("a", "", modePersistent), mCreate("a", "", modePersistent))
			c.Multi(mCreate("p/c", "", modePersistent))
			c.Exists("a", false)
		}},
		scenario{"multi_error_kinds", func(s *S) {
			c := s.Connect(0)
			c.Create("full", "", modePersistent)
			c.Create("full/kid", "", modePersistent)
			c.Create("eph", "", modeEphemeral)
			c.CreateACL("ro", "", modePersistent, []ACL{acl(permRead, "world", "anyone")})
			c.Multi(mDelete("full", -1))
			c.Multi(mSet("full", "", 9))
			c.Multi(mCreate("eph/kid", "", modePersistent))
			c.Multi(mSet("ro", "x", -1))
			c.Multi(mCreate("bad", "", 99))
			c.Multi(mop{op: opCreate, path: "noacl", acl: []ACL{}})
		}},
		scenario{"multi_sees_own_earlier_ops", func(s *S) {
			c := s.Connect(0)
			c.Multi(
				mCreate("p", "", modePersistent),
				mCreate("p/q", "", modeSequential),
				mCreate("p/q", "", modeSequential),
				mSet("p", "x", 0),
				mSet("p", "y", 1),
				mDelete("p/q0000000000", 0),
				mCheck("p", 2),
			)
			c.Children2("p", false)
		}},
		scenario{"multi_create_variants", func(s *S) {
			c := s.Connect(0)
			c.Multi(
				mCreate2("a", "", modeEphemeral),
				mop{op: opCreateContainer, path: "c", flags: modeContainer, acl: openACL},
				mop{op: opCreateTTL, path: "t", flags: modeTTL, ttl: 60000, acl: openACL},
				mCreate2("s", "", modeEphSeq),
			)
			c.Multi(mop{op: opCreateTTL, path: "t2", flags: modeTTL, ttl: 0, acl: openACL})
			c.Multi(mop{op: opCreateContainer, path: "c2", flags: modePersistent, acl: openACL})
			c.Delete("t", -1)
			c.Delete("c", -1)
		}},
		scenario{"multi_empty", func(s *S) {
			c := s.Connect(0)
			c.Multi()
			c.MultiRead()
		}},
		scenario{"multi_with_read_op", func(s *S) {
			c := s.Connect(1000)
			c.Create("a", "", modePersistent)
			c.Multi(mCreate("b", "", modePersistent), mGet("a"))
		}},
		scenario{"multi_read", func(s *S) {
			c := s.Connect(0)
			c.Create("a", "data", modePersistent)
			c.Create("a/x", "", modePersistent)
			c.Create("a/y", "", modePersistent)
			c.MultiRead(mGet("a"), mChildren("a"), mGet("missing"), mChildren("missing"), mGet("a/x"))
		}},
		scenario{"multi_read_watch", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("a", "", modePersistent)
			w.MultiRead(mop{op: opGetData, path: "a", watch: true}, mop{op: opGetChildren, path: "a", watch: true})
			c.Set("a", "x", -1)
			c.Create("a/b", "", modePersistent)
			w.Events()
		}},
		scenario{"multi_read_with_write_op", func(s *S) {
			c := s.Connect(1000)
			c.Create("a", "", modePersistent)
			c.MultiRead(mGet("a"), mCreate("b", "", modePersistent))
		}},
		scenario{"multi_noauth_read", func(s *S) {
			c := s.Connect(0)
			c.CreateACL("wo", "s", modePersistent, []ACL{acl(permWrite, "world", "anyone")})
			c.Create("ok", "fine", modePersistent)
			c.MultiRead(mGet("ok"), mGet("wo"), mChildren("wo"))
		}},
	)
}
