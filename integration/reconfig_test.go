package integration

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/server"
)

// reconfigEnabled=true on a standalone server: Apache answers reconfig Unimplemented (it is no
// leader) instead of ReconfigDisabled, before any ACL check.

func reconfigEnabled(c *server.Config) { c.ReconfigEnabled = true }

func TestReconfigEnabled(t *testing.T) {
	ref, ours := targets(t, []string{"reconfigEnabled=true"}, reconfigEnabled)
	// What else reconfigEnabled could show: conf, the config node.
	compareScenarios(t, ref, ours, registered(t, "4lw_conf_envi", "config_node_watch", "system_nodes"))
	compareScenarios(t, ref, ours, []scenario{
		{"reconfig_enabled_standalone", func(s *S) {
			c := s.Connect(0)
			c.Reconfig("server.2=127.0.0.1:2888:3888;2182", "", "", -1)
			c.Reconfig("", "1", "", -1)
			c.Reconfig("", "", "", 5)
			c.Auth("digest", zktest.SuperUser+":"+zktest.SuperPassword)
			c.Reconfig("", "", "server.1=127.0.0.1:2888:3888;2181", -1)
			c.Get("/zookeeper/config", false)
			c.Exists("", false)
		}},
	})
}

// TestKazooReconfig: kazoo's reconfig against a standalone server with reconfigEnabled=true fails
// fast with UnimplementedError, as against Apache; it used to get ReconfigDisabled (-123), a code
// kazoo 2.8 does not know, and wait for an answer forever.
func TestKazooReconfig(t *testing.T) {
	py := zktest.RequireKazoo(t)
	ref := zktest.StartApache(t, zktest.Options{Extra: []string{"reconfigEnabled=true"}}).Addr
	_, ourAddr, _ := bundled(t, []string{"reconfigEnabled=true"}, reconfigEnabled)
	run := func(addr string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, py, "testdata/kazoo_reconfig.py", addr)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Errorf("kazoo against %s: %v\nstdout:\n%s\nstderr:\n%s", addr, err, out.String(), errOut.String())
		}
		return out.String()
	}
	want, got := run(ref), run(ourAddr)
	if want != got {
		t.Errorf("kazoo: apache (-) and zksh (+) differ:\n%s", lineDiff(strings.Split(want, "\n"), strings.Split(got, "\n")))
	}
	if !strings.Contains(want, "UnimplementedError") {
		t.Errorf("apache's answer was not UnimplementedError:\n%s", want)
	}
}

// registered returns the registered scenarios with these names.
func registered(t *testing.T, names ...string) []scenario {
	var out []scenario
	for _, n := range names {
		found := false
		for _, sc := range scenarios {
			if sc.name == n {
				out, found = append(out, sc), true
			}
		}
		if !found {
			t.Fatalf("no scenario %q", n)
		}
	}
	return out
}
