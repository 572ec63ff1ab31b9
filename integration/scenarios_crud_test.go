package integration

// Create, read, update, delete: opcodes create, create2, delete, exists,
// getData, setData, getChildren, getChildren2, sync, check, and their errors.

func init() {
	register(
		scenario{"create_basic", func(s *S) {
			c := s.Connect(0)
			c.Create("a", "hello", modePersistent)
			c.Get("a", false)
			c.Exists("a", false)
			c.Children("", false)
			c.Children2("", false)
			c.Get("", false)
		}},
		scenario{"create2_stat", func(s *S) {
			c := s.Connect(0)
			c.Create2("a", "x", modePersistent)
			c.Create2("a/b", "", modePersistent)
			c.Get("a", false)
			c.Get("a/b", false)
		}},
		scenario{"create_empty_data", func(s *S) {
			c := s.Connect(0)
			c.Create("a", "", modePersistent)
			c.Get("a", false)
			c.Set("a", "", -1)
			c.Get("a", false)
		}},
		scenario{"create_binary_data", func(s *S) {
			c := s.Connect(0)
			c.Create("a", "\x00\xff\x01binary\n", modePersistent)
			c.Get("a", false)
		}},
		scenario{"create_large_data", func(s *S) {
			c := s.Connect(0)
			big := make([]byte, 500*1024)
			for i := range big {
				big[i] = byte('a' + i%26)
			}
			c.Create("a", "small", modePersistent)
			c.SetQuiet("a", string(big), -1)
			c.Exists("a", false)
			c.Create("b", string(big), modePersistent)
			c.Exists("b", false)
		}},
		scenario{"create_parent_missing", func(s *S) {
			c := s.Connect(0)
			c.Create("x/y", "", modePersistent)
			c.Create2("x/y/z", "", modePersistent)
			c.Exists("x", false)
		}},
		scenario{"create_node_exists", func(s *S) {
			c := s.Connect(0)
			c.Create("a", "1", modePersistent)
			c.Create("a", "2", modePersistent)
			c.Create2("a", "3", modeEphemeral)
			c.Get("a", false)
			c.Get("", false)
		}},
		scenario{"create_bad_paths", func(s *S) {
			c := s.Connect(0)
			c.Create("!noslash", "", modePersistent)
			c.Create("a/", "", modePersistent)
			c.Create("a//b", "", modePersistent)
			c.Create("a/./b", "", modePersistent)
			c.Create("a/../b", "", modePersistent)
			c.Create("!", "", modePersistent)
			c.Create("/", "", modePersistent)
			c.Get("!bad", false)
			c.Delete("!", -1)
		}},
		scenario{"read_bad_paths", func(s *S) {
			c := s.Connect(0)
			c.Create("a", "", modePersistent)
			c.Exists("a/", false)
			c.Get("a//", false)
			c.Children("!", false)
			c.Exists("!", false)
			c.Get("!", false)
			c.GetACL("!")
			c.Children2("!noslash", false)
			c.GetACL("a/.")
			c.Sync("!noslash")
			c.GetAllChildrenNumber("!")
			c.GetEphemeralsRaw("noslash")
			c.AddWatch("a/", 0)
			c.CheckWatches("!", 3)
			c.MultiRead(mGet("a/"), mChildren("!"))
		}},
		scenario{"empty_path_writes", func(s *S) {
			c := s.Connect(0)
			c.Set("!", "", -1)
			c.SetACL("!", openACL, -1)
			c.Multi(mCheck("!", -1))
			c.Multi(mSet("!", "", -1))
			c.Exists("!", true)
			c.Set("/", "", -1)
			c.Exists("/", false)
		}},
		scenario{"create_bad_flags", func(s *S) {
			c := s.Connect(0)
			c.Create("a", "", 7)
			c.Create("b", "", 99)
			c.Create("c", "", -1)
			c.Children("", false)
		}},
		scenario{"create_sequential", func(s *S) {
			c := s.Connect(0)
			c.Create("q", "", modePersistent)
			c.Create("q/n-", "a", modeSequential)
			c.Create2("q/n-", "b", modeSequential)
			c.Create("q/", "c", modeSequential)
			c.Children2("q", false)
		}},
		scenario{"create_sequential_counter", func(s *S) {
			c := s.Connect(0)
			c.Create("q", "", modePersistent)
			c.Create("q/plain", "", modePersistent)
			c.Create("q/s", "", modeSequential)
			c.Delete("q/plain", -1)
			c.Create("q/s", "", modeSequential)
			c.Set("q", "x", -1)
			c.Create("q/s", "", modeSequential)
			c.Children2("q", false)
		}},
		scenario{"create_sequential_exists", func(s *S) {
			c := s.Connect(0)
			c.Create("q", "", modePersistent)
			c.Create("q/s0000000001", "", modePersistent)
			c.Create("q/s", "", modeSequential)
			c.Create("q/s", "", modeSequential)
			c.Children2("q", false)
		}},
		scenario{"create_ephemeral", func(s *S) {
			c := s.Connect(0)
			c.Create("e", "tmp", modeEphemeral)
			c.Exists("e", false)
			c.Create2("es-", "", modeEphSeq)
			c.Children2("", false)
			c.GetEphemerals("")
		}},
		scenario{"ephemeral_no_children", func(s *S) {
			c := s.Connect(0)
			c.Create("e", "", modeEphemeral)
			c.Create("e/c", "", modePersistent)
			c.Create2("e/c", "", modeEphemeral)
			c.Create("e/s", "", modeSequential)
			c.Children2("e", false)
		}},
		scenario{"delete_paths", func(s *S) {
			c := s.Connect(0)
			c.Create("a", "", modePersistent)
			c.Create("a/b", "", modePersistent)
			c.Delete("a", -1)
			c.Delete("nope", -1)
			c.Delete("a/b", 3)
			c.Delete("a/b", 0)
			c.Delete("a/b", 0)
			c.Delete("a", 0)
			c.Exists("a", false)
			c.Children2("", false)
		}},
		scenario{"delete_after_set_version", func(s *S) {
			c := s.Connect(0)
			c.Create("a", "", modePersistent)
			c.Set("a", "1", -1)
			c.Set("a", "2", 1)
			c.Delete("a", 1)
			c.Delete("a", 2)
		}},
		scenario{"set_data_versions", func(s *S) {
			c := s.Connect(0)
			c.Create("a", "v0", modePersistent)
			c.Set("a", "v1", 0)
			c.Set("a", "v2", 0)
			c.Set("a", "v2", -1)
			c.Set("a", "v3", 2)
			c.Set("a", "x", -2)
			c.Set("nope", "x", -1)
			c.Get("a", false)
		}},
		scenario{"exists_and_get_missing", func(s *S) {
			c := s.Connect(0)
			c.Exists("nope", false)
			c.Get("nope", false)
			c.Children("nope", false)
			c.Children2("nope", false)
			c.GetACL("nope")
		}},
		scenario{"children_stat_tracking", func(s *S) {
			c := s.Connect(0)
			c.Create("p", "", modePersistent)
			for _, n := range []string{"c", "a", "b"} {
				c.Create("p/"+n, n, modePersistent)
			}
			c.Children2("p", false)
			c.Set("p/a", "changed", -1)
			c.Children2("p", false)
			c.Delete("p/b", -1)
			c.Children2("p", false)
			c.Create("p/b", "", modePersistent)
			c.Children2("p", false)
			c.Children("p/a", false)
		}},
		scenario{"sync_paths", func(s *S) {
			c := s.Connect(0)
			c.Create("a", "", modePersistent)
			c.Sync("a")
			c.Sync("missing")
			c.Sync("/")
		}},
		scenario{"check_outside_multi", func(s *S) {
			c := s.Connect(1000)
			c.Create("a", "", modePersistent)
			c.Check("a", 0)
		}},
		scenario{"get_all_children_number", func(s *S) {
			c := s.Connect(0)
			c.Create("t", "", modePersistent)
			c.Create("t/a", "", modePersistent)
			c.Create("t/a/x", "", modePersistent)
			c.Create("t/a/y", "", modeEphemeral)
			c.Create("t/b", "", modePersistent)
			c.GetAllChildrenNumber("t")
			c.GetAllChildrenNumber("t/a")
			c.GetAllChildrenNumber("t/b")
			c.GetAllChildrenNumber("missing")
			c.GetAllChildrenNumber("/zookeeper")
		}},
		scenario{"get_ephemerals", func(s *S) {
			c := s.Connect(0)
			o := s.Connect(0)
			c.Create("d", "", modePersistent)
			c.Create("e1", "", modeEphemeral)
			c.Create("d/e2", "", modeEphemeral)
			c.Create("d/q", "", modeEphSeq)
			c.Create("ex", "", modePersistent)
			o.Create("ex/other", "", modeEphemeral)
			c.GetEphemerals("")
			c.GetEphemerals("d")
			c.GetEphemerals("e")
			c.GetEphemerals("missing")
			o.GetEphemerals("")
			o.GetEphemeralsRaw("/")
			s.Connect(0).GetEphemeralsRaw("/")
		}},
		scenario{"system_nodes", func(s *S) {
			c := s.Connect(0)
			c.Get("/zookeeper", false)
			c.Children2("/zookeeper", false)
			c.Get("/zookeeper/quota", false)
			c.Children("/zookeeper/quota", false)
			c.GetACL("/zookeeper")
			c.GetACL("/zookeeper/config")
			c.Get("/zookeeper/config", false)
		}},
		scenario{"system_nodes_writes", func(s *S) {
			c := s.Connect(0)
			c.Create("/zookeeper/x", "", modePersistent)
			c.Set("/zookeeper/config", "x", -1)
			c.Delete("/zookeeper", -1)
			c.Delete("/zookeeper/quota", -1)
			c.Delete("/zookeeper/config", -1)
			c.Set("/zookeeper", "x", -1)
			c.Delete("/", -1)
			c.Children("/zookeeper", false)
			c.Delete("/zookeeper/x", -1)
		}},
	)
}
