package integration

import "github.com/zksh/zksh/internal/zktest"

// Everything else a 3.8 client may send: reconfig on a standalone server,
// unknown opcodes, server-internal opcodes.

func init() {
	register(
		scenario{"reconfig_standalone", func(s *S) {
			c := s.Connect(0)
			c.Reconfig("server.2=127.0.0.1:2888:3888;2182", "", "", -1)
			c.Reconfig("", "1", "", -1)
			c.Auth("digest", zktest.SuperUser+":"+zktest.SuperPassword)
			c.Reconfig("", "", "server.1=127.0.0.1:2888:3888;2181", -1)
			c.Get("/zookeeper/config", false)
		}},
		scenario{"config_node_watch", func(s *S) {
			c := s.Connect(0)
			c.Get("/zookeeper/config", true)
			c.Exists("/zookeeper/config", true)
			c.Children("/zookeeper", false)
		}},
		scenario{"unknown_opcode", func(s *S) {
			c := s.Connect(1000)
			c.Raw("op 999", 999, nil)
		}},
		scenario{"delete_container_opcode", func(s *S) {
			c := s.Connect(1000)
			c.CreateContainer("c", "")
			var e encoder
			e.string(s.abs("c"))
			c.Raw("deleteContainer R/c", opDeleteContainer, e.bytes())
		}},
		scenario{"ping_reply", func(s *S) {
			c := s.Connect(0)
			c.Create("a", "", modePersistent)
			f, err := c.call(-2, opPing, nil)
			s.logf("ping -> %s", c.result(f, err, nil))
		}},
	)
}
