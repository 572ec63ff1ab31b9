package integration

import "github.com/zksh/zksh/internal/zktest"

// ACLs and authentication: world, auth, digest, ip and the super digest;
// getACL, setACL, auth and whoAmI.

func acl(perms int32, scheme, id string) ACL { return ACL{Perms: perms, Scheme: scheme, ID: id} }

func init() {
	u1 := digestID("u1", "p1")
	register(
		scenario{"acl_world_read_only", func(s *S) {
			c := s.Connect(0)
			c.CreateACL("ro", "data", modePersistent, []ACL{acl(permRead, "world", "anyone")})
			c.Get("ro", false)
			c.Children("ro", false)
			c.Set("ro", "x", -1)
			c.Create("ro/child", "", modePersistent)
			c.SetACL("ro", openACL, -1)
			c.GetACL("ro")
			c.Delete("ro", -1)
			c.Exists("ro", false)
		}},
		scenario{"acl_no_read", func(s *S) {
			c := s.Connect(0)
			c.CreateACL("wo", "secret", modePersistent, []ACL{acl(permWrite|permCreate|permDelete, "world", "anyone")})
			c.Get("wo", false)
			c.Children("wo", false)
			c.Children2("wo", false)
			c.Exists("wo", false)
			c.GetACL("wo")
			c.Set("wo", "x", -1)
			c.Create("wo/child", "", modePersistent)
			c.GetAllChildrenNumber("wo")
			c.MultiRead(mGet("wo"), mChildren("wo"))
			c.Sync("wo")
			c.Delete("wo/child", -1)
		}},
		scenario{"acl_delete_needs_parent_perm", func(s *S) {
			c := s.Connect(0)
			c.Create("p", "", modePersistent)
			c.Create("p/kid", "", modePersistent)
			c.SetACL("p", []ACL{acl(permRead|permCreate|permAdmin, "world", "anyone")}, 0)
			c.Delete("p/kid", -1)
			c.SetACL("p", []ACL{acl(permDelete, "world", "anyone")}, 1)
			c.Delete("p/kid", -1)
			c.GetACL("p")
		}},
		scenario{"acl_digest", func(s *S) {
			owner, other, stranger := s.Connect(0), s.Connect(0), s.Connect(0)
			owner.CreateACL("d", "private", modePersistent, []ACL{acl(permAll, "digest", u1)})
			other.Get("d", false)
			other.Auth("digest", "u1:p1")
			other.Get("d", false)
			other.Set("d", "changed", -1)
			stranger.Auth("digest", "u2:p2")
			stranger.Get("d", false)
			stranger.GetACL("d")
			owner.Exists("d", false)
		}},
		scenario{"acl_auth_scheme", func(s *S) {
			c, o := s.Connect(0), s.Connect(0)
			c.CreateACL("noauth", "", modePersistent, []ACL{acl(permAll, "auth", "")})
			c.Auth("digest", "u1:p1")
			c.Auth("digest", "u3:p3")
			c.CreateACL("a", "", modePersistent, []ACL{acl(permAll, "auth", "")})
			c.CreateACL("b", "", modePersistent, []ACL{acl(permRead, "auth", "ignored"), acl(permRead, "world", "anyone")})
			c.GetACL("a")
			c.GetACL("b")
			o.Get("a", false)
			o.Auth("digest", "u3:p3")
			o.Get("a", false)
		}},
		scenario{"acl_ip", func(s *S) {
			c := s.Connect(0)
			c.CreateACL("local", "", modePersistent, []ACL{acl(permAll, "ip", "127.0.0.1")})
			c.CreateACL("net", "", modePersistent, []ACL{acl(permAll, "ip", "127.0.0.0/8")})
			c.CreateACL("far", "", modePersistent, []ACL{acl(permAll, "ip", "10.1.2.3")})
			c.CreateACL("farnet", "", modePersistent, []ACL{acl(permAll, "ip", "10.0.0.0/8")})
			c.CreateACL("bad", "", modePersistent, []ACL{acl(permAll, "ip", "not-an-ip")})
			c.Get("local", false)
			c.Get("net", false)
			c.Get("far", false)
			c.Get("farnet", false)
			c.GetACL("net")
		}},
		scenario{"acl_super", func(s *S) {
			c, su := s.Connect(0), s.Connect(0)
			c.CreateACL("locked", "x", modePersistent, []ACL{acl(permAll, "digest", u1)})
			c.Create("open", "", modePersistent)
			c.CreateACL("open/k", "", modePersistent, []ACL{acl(permRead, "digest", u1)})
			su.Get("locked", false)
			su.Auth("digest", zktest.SuperUser+":"+zktest.SuperPassword)
			su.Get("locked", false)
			su.Set("locked", "y", -1)
			su.SetACL("locked", openACL, -1)
			su.Delete("open/k", -1)
			su.WhoAmI()
			c.Get("locked", false)
		}},
		scenario{"acl_super_wrong_password", func(s *S) {
			c, su := s.Connect(0), s.Connect(0)
			c.CreateACL("locked", "x", modePersistent, []ACL{acl(permAll, "digest", u1)})
			su.Auth("digest", zktest.SuperUser+":wrong")
			su.Get("locked", false)
			su.WhoAmI()
		}},
		scenario{"acl_invalid", func(s *S) {
			c := s.Connect(0)
			c.CreateACL("empty", "", modePersistent, []ACL{})
			c.CreateACL("nil", "", modePersistent, nil)
			c.CreateACL("scheme", "", modePersistent, []ACL{acl(permAll, "nosuch", "x")})
			c.CreateACL("world", "", modePersistent, []ACL{acl(permAll, "world", "nobody")})
			c.CreateACL("digest", "", modePersistent, []ACL{acl(permAll, "digest", "nocolon")})
			c.CreateACL("auth", "", modePersistent, []ACL{acl(permAll, "auth", "")})
			c.CreateACL("perms0", "", modePersistent, []ACL{acl(0, "world", "anyone")})
			c.CreateACL("perms99", "", modePersistent, []ACL{acl(99, "world", "anyone")})
			c.Children("", false)
		}},
		scenario{"acl_other_schemes", func(s *S) {
			c := s.Connect(0)
			c.CreateACL("sasl", "", modePersistent, []ACL{acl(permAll, "sasl", "user")})
			c.CreateACL("x509", "", modePersistent, []ACL{acl(permAll, "x509", "CN=client")})
			c.CreateACL("key", "", modePersistent, []ACL{acl(permAll, "key", "k")})
			c.CreateACL("super", "", modePersistent, []ACL{acl(permAll, "super", "")})
			c.CreateACL("worldcase", "", modePersistent, []ACL{acl(permAll, "World", "anyone")})
			c.CreateACL("ipv6", "", modePersistent, []ACL{acl(permAll, "ip", "::1")})
			c.CreateACL("ipmask", "", modePersistent, []ACL{acl(permAll, "ip", "127.0.0.1/33")})
			c.Children("", false)
		}},
		scenario{"acl_duplicates", func(s *S) {
			c := s.Connect(0)
			c.CreateACL("dup", "", modePersistent, []ACL{openACL[0], openACL[0], acl(permRead, "world", "anyone")})
			c.GetACL("dup")
		}},
		scenario{"get_set_acl_versions", func(s *S) {
			c := s.Connect(0)
			c.Create("a", "", modePersistent)
			c.GetACL("a")
			c.SetACL("a", []ACL{acl(permRead|permWrite|permAdmin, "world", "anyone")}, 0)
			c.SetACL("a", openACL, 0)
			c.SetACL("a", openACL, 1)
			c.SetACL("a", openACL, -1)
			c.SetACL("missing", openACL, -1)
			c.SetACL("a", []ACL{}, -1)
			c.SetACL("a", []ACL{acl(permAll, "nosuch", "x")}, -1)
			c.GetACL("a")
			c.Get("a", false)
		}},
		scenario{"set_acl_needs_admin", func(s *S) {
			c := s.Connect(0)
			c.CreateACL("a", "", modePersistent, []ACL{acl(permRead|permWrite, "world", "anyone")})
			c.SetACL("a", openACL, -1)
			c.GetACL("a")
		}},
		scenario{"auth_failures", func(s *S) {
			c := s.Connect(0)
			c.Auth("nosuch", "x")
			c.Get("", false)
			d := s.Connect(0)
			d.Auth("digest", "nocolon")
			d.Get("", false)
			e := s.Connect(0)
			e.Auth("ip", "whatever")
			e.WhoAmI()
		}},
		scenario{"who_am_i", func(s *S) {
			c := s.Connect(0)
			c.WhoAmI()
			c.Auth("digest", "u1:p1")
			c.WhoAmI()
			c.Auth("digest", "u1:p1")
			c.Auth("digest", "u2:p2")
			c.WhoAmI()
		}},
	)
}
