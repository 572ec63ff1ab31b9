package commands

import (
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zksh/zksh/internal/zktest"
)

// TestGetBinaryRoundTrip: `zksh get /bin > file` writes data that is not text byte for byte (no
// newline added), so it round-trips through create @file; on a terminal it stays a hex dump, and text
// keeps zkCli's newline. On Apache ZooKeeper and the bundled server.
func TestGetBinaryRoundTrip(t *testing.T) {
	root := testRoot(t)
	local := bundled(t)
	data := make([]byte, 4096)
	rand.New(rand.NewSource(7)).Read(data)
	data[0] = 0xff // not UTF-8 whatever the seed gives
	file := filepath.Join(t.TempDir(), "bin")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, server := range zktest.Targets(t, local) {
		run := func(tty bool, args ...string) string {
			t.Helper()
			streams, out, errOut := fakeIO("", tty)
			if code := Main(append([]string{"--server", server}, args...), streams, nil); code != 0 || errOut.Len() > 0 {
				t.Fatalf("%s: zksh %q: exit %d, stderr %q", server, args, code, errOut)
			}
			return out.String()
		}
		if server == local {
			run(false, "create", root)
		}
		run(false, "create", root+"/bin", "@"+file)
		run(false, "create", root+"/text", "hello")
		if got := run(false, "get", root+"/bin"); got != string(data) {
			t.Errorf("%s: get of binary data off a terminal: %d bytes, want the %d bytes exactly (ends %q)", server, len(got), len(data), got[max(0, len(got)-3):])
		}
		for _, format := range []string{"plain", "table"} {
			if got := run(true, "-o", format, "get", root+"/bin"); !strings.HasPrefix(got, "00000000  ff ") {
				t.Errorf("%s: -o %s get of binary data on a terminal: %.40q, want a hex dump", server, format, got)
			}
		}
		if got := run(false, "-o", "table", "get", root+"/bin"); got != string(data) {
			t.Errorf("%s: -o table get of binary data off a terminal: %d bytes, want the data exactly", server, len(got))
		}
		if got := run(false, "get", root+"/text"); got != "hello\n" {
			t.Errorf("%s: get of text: %q", server, got)
		}
		// Followed by the stat, the data ends with a newline so the stat starts on a line of its own.
		if got := run(false, "get", "-s", root+"/bin"); !strings.HasPrefix(got, string(data)+"\ncZxid = ") {
			t.Errorf("%s: get -s of binary data: %q", server, got[len(data)-3:min(len(got), len(data)+12)])
		}
	}
}
