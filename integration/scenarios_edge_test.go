package integration

import (
	"fmt"
	"strings"
	"time"
)

// Edge cases: odd path characters, null data, events that must not fire,
// multi ops on one path, requests around closeSession, odd credentials,
// TTL timers reset by writes, quota statistics, many children.

func init() {
	register(
		scenario{"path_characters", func(s *S) {
			c := s.Connect(0)
			for _, name := range []string{"with space", "ünïcödé", "日本", "tab\there", "nul\x00byte", "ctl\x01", "del\x7f",
				"c1\u0085", "surrogate\ue000", "special\ufff5", "dot.", ".", "..", "...", "zookeeper", "a:b@c"} {
				c.Create(name, "", modePersistent)
			}
			c.Children("", false)
		}},
		scenario{"sequential_negative_cversion", func(s *S) {
			// /zookeeper starts with cversion -2: its sequence suffix is negative.
			c := s.Connect(0)
			c.Children2("/zookeeper", false)
			n := c.Create("/zookeeper/s", "", modeSequential)
			c.Children2("/zookeeper", false)
			c.Delete(n, -1)
			n = c.Create("/zookeeper/s", "", modeEphSeq)
			c.Delete(n, -1)
			c.Children2("/zookeeper", false)
		}},
		scenario{"invalid_utf8", func(s *S) {
			// Java decodes jute strings as UTF-8, replacing malformed bytes.
			c := s.Connect(0)
			c.Create("ok", "\xff\xfe data stays bytes", modePersistent)
			c.Get("ok", false)
			for _, name := range []string{"\xff", "trunc\xc3", "overlong\xc0\xaf", "surr\xed\xa0\x80", "mixed\xe2\x82"} {
				c.Create(name, "", modePersistent)
				c.Exists(name, false)
			}
			c.Children("", false)
			c.Auth("digest", "u\xff:p")
			c.WhoAmI()
			c.CreateACL("d", "", modePersistent, []ACL{acl(permAll, "digest", "u\xff:x")})
			c.GetACL("d")
			c.CreateACL("w", "", modePersistent, []ACL{acl(permAll, "world", "any\xffone")})
		}},
		scenario{"create_null_data", func(s *S) {
			c := s.Connect(0)
			var e encoder
			e.string(s.abs("n"))
			e.buffer(nil)
			e.acls(openACL)
			e.int32(0)
			c.do("create2 R/n data=nil", opCreate2, e.bytes(), c.replyBody(opCreate2))
			c.Get("n", false)
			var e2 encoder
			e2.string(s.abs("n"))
			e2.buffer(nil)
			e2.int32(-1)
			c.do("setData R/n data=nil", opSetData, e2.bytes(), c.replyBody(opSetData))
			c.Get("n", false)
			c.Set("n", "x", -1)
			c.Get("n", false)
		}},
		scenario{"set_acl_fires_no_watch", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("a", "", modePersistent)
			w.Get("a", true)
			w.Children("", true)
			w.AddWatch("a", 0)
			c.SetACL("a", []ACL{acl(permAll, "world", "anyone")}, -1)
			c.Sync("a")
			w.Events()
			c.Set("a", "x", -1)
			w.Events()
		}},
		scenario{"multi_same_path", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("a", "old", modePersistent)
			w.Get("a", true)
			w.Exists("b", true)
			w.Children("", true)
			c.Multi(mDelete("a", -1), mCreate("a", "new", modePersistent), mCreate("b", "", modePersistent), mDelete("b", 0), mSet("a", "newer", 0))
			w.Events()
			c.Get("a", false)
			c.Children2("", false)
		}},
		scenario{"multi_parent_child_order", func(s *S) {
			c := s.Connect(0)
			c.Multi(mCreate("p", "", modePersistent), mCreate("p/k", "", modePersistent), mDelete("p/k", -1), mDelete("p", -1))
			c.Multi(mCreate("p", "", modePersistent), mCreate("p/k", "", modePersistent), mDelete("p", -1))
			c.Multi(mCreate("e", "", modeEphemeral), mCreate("e/k", "", modePersistent))
			c.Multi(mCheck("missing", -1))
			c.Multi(mCheck("", -1), mCheck("", 0), mCheck("", 1))
			c.Children2("", false)
		}},
		scenario{"close_session_pipelined", func(s *S) {
			c, o := s.Connect(0), s.Connect(0)
			c.Create("e", "", modeEphemeral)
			var reqs []byte
			frame := func(xid, op int32, body []byte) {
				var e encoder
				e.int32(xid)
				e.int32(op)
				e.append(body)
				b := e.bytes()
				reqs = append(reqs, byte(len(b)>>24), byte(len(b)>>16), byte(len(b)>>8), byte(len(b)))
				reqs = append(reqs, b...)
			}
			var p encoder
			p.string(s.abs("e"))
			p.bool(false)
			frame(11, opExists, p.bytes())
			frame(12, opCloseSession, nil)
			c.nc.Write(reqs)
			// Both replies come before the server closes the connection.
			for i := 0; i < 2; i++ {
				select {
				case f := <-c.in:
					s.logf("reply xid=%d %s", f.xid, c.result(f, nil, c.replyBody(map[int32]int32{11: opExists}[f.xid])))
				case <-time.After(2 * time.Second):
					s.logf("no reply")
				}
			}
			select {
			case <-c.done:
				s.logf("connection closed")
			case <-time.After(2 * time.Second):
				s.logf("connection left open")
			}
			o.Exists("e", false)
		}},
		scenario{"digest_odd_credentials", func(s *S) {
			c := s.Connect(0)
			for _, cred := range []string{"user:pa:ss", "user:", ":pass", "ü:密码"} {
				c.Auth("digest", cred)
			}
			c.WhoAmI()
			u, p, _ := strings.Cut("user:pa:ss", ":")
			c.CreateACL("d", "", modePersistent, []ACL{acl(permAll, "digest", digestID(u, p))})
			c.Get("d", false)
			c.CreateACL("a", "", modePersistent, []ACL{acl(permAll, "auth", "")})
			c.GetACL("a")
		}},
		scenario{"auth_scheme_ip_only", func(s *S) {
			c := s.Connect(0)
			c.Auth("ip", "127.0.0.1")
			c.CreateACL("a", "", modePersistent, []ACL{acl(permAll, "auth", "")})
			c.CreateACL("m", "", modePersistent, []ACL{acl(permRead, "auth", ""), acl(permAll, "ip", "127.0.0.1")})
			c.GetACL("m")
		}},
		scenario{"acl_mixed_entries", func(s *S) {
			owner, other := s.Connect(0), s.Connect(0)
			owner.CreateACL("m", "x", modePersistent, []ACL{
				acl(permRead, "world", "anyone"),
				acl(permWrite, "digest", digestID("u1", "p1")),
				acl(permDelete|permCreate, "ip", "127.0.0.1"),
			})
			other.Get("m", false)
			other.Set("m", "y", -1)
			other.Create("m/k", "", modePersistent)
			other.SetACL("m", openACL, -1)
			other.Auth("digest", "u1:p1")
			other.Set("m", "y", -1)
			other.Delete("m/k", -1)
			other.GetACL("m")
		}},
		scenario{"remove_watches_on_recursive", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("a", "", modePersistent)
			w.AddWatch("a", 1)
			w.CheckWatches("a", 1)
			w.CheckWatches("a", 2)
			w.RemoveWatches("a", 1)
			w.CheckWatches("a", 2)
			c.Set("a", "x", -1)
			c.Create("a/b", "", modePersistent)
			w.Events()
			w.RemoveWatches("a", 2)
			w.CheckWatches("a", 3)
			c.Set("a", "y", -1)
			w.Events()
		}},
		scenario{"watch_counts_after_close", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("a", "", modePersistent)
			w.Get("a", true)
			w.AddWatch("a", 1)
			w.Close()
			// Apache drops a session's watches when its connection closes,
			// just after the closeSession reply: wait for that.
			for i := 0; i < 40 && !strings.Contains(s.fourLetter("wchs"), "Total watches:0"); i++ {
				time.Sleep(25 * time.Millisecond)
			}
			s.logf("wchs: %q", s.fourLetter("wchs"))
			c.CheckWatches("a", 3)
		}},
		scenario{"ttl_set_resets_timer", func(s *S) {
			c := s.Connect(0)
			c.CreateTTL("t", "", modeTTL, 1500)
			s.Advance(700 * time.Millisecond)
			c.Set("t", "touched", -1)
			s.Advance(900 * time.Millisecond) // past the TTL from creation, not from the write
			c.Exists("t", false)
			s.WaitGone(c, "t", 5*time.Second)
		}},
		scenario{"quota_stats", func(s *S) {
			c := s.Connect(0)
			c.Create("q", "12345", modePersistent)
			c.Create("q/a", "xy", modePersistent)
			qp := s.quotaPath("q")
			parts := strings.Split(strings.TrimPrefix(qp, "/zookeeper/quota/"), "/")
			for i := range parts {
				c.Create("/zookeeper/quota/"+strings.Join(parts[:i+1], "/"), "", modePersistent)
			}
			c.Create(qp+"/zookeeper_limits", "count=10,bytes=100", modePersistent)
			c.Create(qp+"/zookeeper_stats", "count=0,bytes=0", modePersistent)
			c.Get(qp+"/zookeeper_stats", false)
			c.Create("q/b", "abc", modePersistent)
			c.Set("q/a", "longer data", -1)
			c.Delete("q/b", -1)
			c.Create("q/a/deep", "", modeEphemeral)
			c.Get(qp+"/zookeeper_stats", false)
			c.Get(qp+"/zookeeper_limits", false)
			c.Delete(qp+"/zookeeper_stats", -1)
			c.Delete(qp+"/zookeeper_limits", -1)
			for i := len(parts); i > 0; i-- {
				c.Delete("/zookeeper/quota/"+strings.Join(parts[:i], "/"), -1)
			}
		}},
		scenario{"many_children", func(s *S) {
			c := s.Connect(0)
			c.Create("p", "", modePersistent)
			var ops []mop
			for i := 0; i < 500; i++ {
				ops = append(ops, mCreate(fmt.Sprintf("p/child-%03d-%s", i, strings.Repeat("x", 100)), "", modePersistent))
			}
			f, err := c.call(0, opMulti, func() []byte { b, _ := c.encodeOps(ops); return b }())
			s.logf("multi of 500 creates %s", c.result(f, err, func(d *decoder) string { d.skipRest(); return "" }))
			c.GetAllChildrenNumber("p")
			var e encoder
			e.string(s.abs("p"))
			e.bool(false)
			f, err = c.call(0, opGetChildren2, e.bytes())
			s.logf("getChildren2 R/p %s", c.result(f, err, func(d *decoder) string {
				kids := d.strings()
				return fmt.Sprintf("%d children, %s", len(kids), c.s.stat(d.stat()))
			}))
		}},
	)
}
