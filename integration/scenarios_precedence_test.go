package integration

// Which error wins when a request breaks several rules at once: servers
// check in a fixed order, and clients branch on the code they get.

func init() {
	ro := []ACL{acl(permRead, "world", "anyone")}
	register(
		scenario{"precedence_create", func(s *S) {
			c := s.Connect(0)
			c.CreateACL("ro", "", modePersistent, ro)
			c.Create("e", "", modeEphemeral)
			c.Create("ro/missing/x", "", modePersistent)                // no parent, parent's parent read-only
			c.Create("ro", "", modePersistent)                          // exists, and parent writable
			c.Create("ro/x", "", modePersistent)                        // no CREATE on parent
			c.CreateACL("missing/x", "", modePersistent, []ACL{})       // no parent and invalid ACL
			c.CreateACL("ro/x", "", modePersistent, []ACL{})            // no CREATE and invalid ACL
			c.CreateACL("e/x", "", modePersistent, []ACL{})             // ephemeral parent and invalid ACL
			c.create(opCreateTTL, "e/t", "", modeTTL, openACL, 0)       // ephemeral parent and bad TTL
			c.create(opCreateTTL, "missing/t", "", modeTTL, openACL, 0) // no parent and bad TTL
			c.Create("e", "", 99)                                       // exists and bad flags
			c.Create("!bad", "", 99)                                    // bad path and bad flags
			c.CreateACL("!bad", "", modePersistent, []ACL{})            // bad path and invalid ACL
		}},
		scenario{"precedence_delete_set", func(s *S) {
			c := s.Connect(0)
			c.Create("p", "", modePersistent)
			c.Create("p/k", "", modePersistent)
			c.SetACL("p", ro, -1)
			c.Delete("p/missing", -1) // no node, no DELETE on parent
			c.Delete("p/k", 9)        // bad version, no DELETE on parent
			c.Create("full", "", modePersistent)
			c.Create("full/k", "", modePersistent)
			c.Delete("full", 9)       // bad version and not empty
			c.Set("p", "x", 9)        // bad version, no WRITE
			c.Set("missing", "x", 9)  // no node, bad version
			c.SetACL("p", []ACL{}, 9) // invalid ACL, bad version, no ADMIN
			c.SetACL("p/k", []ACL{}, 9)
			c.SetACL("p/k", openACL, 9)
		}},
		scenario{"precedence_multi", func(s *S) {
			c := s.Connect(0)
			c.CreateACL("ro", "", modePersistent, ro)
			c.Multi(mCreate("ro/x", "", modePersistent), mDelete("missing", -1))
			c.Multi(mDelete("missing", -1), mCreate("ro/x", "", modePersistent))
			c.Multi(mCheck("ro", 5), mSet("ro", "x", -1))
			c.Multi(mSet("ro", "x", 5), mCheck("ro", 5))
		}},
	)
}
