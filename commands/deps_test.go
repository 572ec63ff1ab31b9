package commands

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoWireImports: commands/ speaks to ZooKeeper only through internal/zkclient, which owns the
// connections and the wire codec; a command that dials or encodes requests itself belongs there.
func TestNoWireImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{join .Imports \" \"}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, imp := range strings.Fields(string(out)) {
		switch imp {
		case "net", "github.com/zksh/zksh/jute":
			t.Errorf("commands imports %s; sessions, connections and the wire codec belong in internal/zkclient", imp)
		}
	}
}
