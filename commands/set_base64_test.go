package commands

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-zookeeper/zk"
)

// TestSetBase64: set -b stores the decoded bytes (zkCli 3.9.3's grammar, -b after the data too);
// data that is not base64 is refused before anything is written.
func TestSetBase64(t *testing.T) {
	root := testRoot(t)
	c := client(t)
	if _, err := c.Create(root+"/n", []byte("old"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	check := func(want []byte) {
		t.Helper()
		data, _, err := c.Get(root + "/n")
		if err != nil || !bytes.Equal(data, want) {
			t.Fatalf("data = %q, %v; want %q", data, err, want)
		}
	}
	zksh(t, "set", "-b", root+"/n", "AAECA/8=").must(t)
	check([]byte{0, 1, 2, 3, 0xff})
	zksh(t, "set", root+"/n", "aGVsbG8=", "-b").must(t)
	check([]byte("hello"))
	zksh(t, "set", "-b", root+"/n", "not base64!").fails(t, 2, "set -b: the data is not valid base64")
	check([]byte("hello"))
	zksh(t, "set", "-b", root+"/n", "aGk").must(t) // padding is optional, as in Java's decoder
	check([]byte("hi"))
	f := filepath.Join(t.TempDir(), "blob.b64")
	if err := os.WriteFile(f, []byte("d29ybGQ=\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	zksh(t, "set", "-b", root+"/n", "@"+f).must(t)
	check([]byte("world"))
	zksh(t, "set", root+"/n", "aGVsbG8=").must(t) // without -b the text is the data
	check([]byte("aGVsbG8="))
}
