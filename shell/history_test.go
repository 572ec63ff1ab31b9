package shell

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestHistoryPath(t *testing.T) {
	env := map[string]string{"XDG_STATE_HOME": "/state", "HOME": "/home/u"}
	get := func(k string) string { return env[k] }
	if got := historyPath(get); got != "/state/zksh/history" {
		t.Errorf("with XDG_STATE_HOME: %s", got)
	}
	env["XDG_STATE_HOME"] = "relative" // the spec says relative values are ignored
	if got := historyPath(get); got != "/home/u/.local/state/zksh/history" {
		t.Errorf("fallback: %s", got)
	}
	delete(env, "XDG_STATE_HOME")
	if got := historyPath(get); got != "/home/u/.local/state/zksh/history" {
		t.Errorf("fallback: %s", got)
	}
}

func TestHistorySharedAndFiltered(t *testing.T) {
	p := filepath.Join(t.TempDir(), "zksh", "history")
	a, b := &history{path: p}, &history{path: p}
	a.add("ls /")
	b.add("get /a")
	a.add("addauth digest user:secret")
	a.add("connect --auth digest:u:p 127.0.0.1:2181")
	a.add("setAcl /a digest:u:hash:cdrwa")
	a.add("   ")
	a.add("stat /a")
	want := []string{"ls /", "get /a", "stat /a"}
	if got := b.entries(); !reflect.DeepEqual(got, want) {
		t.Fatalf("entries = %q, want %q", got, want)
	}
	data, _ := os.ReadFile(p)
	for _, secret := range []string{"secret", "digest", "auth"} {
		if strings.Contains(string(data), secret) {
			t.Fatalf("history file holds %q:\n%s", secret, data)
		}
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("history file mode %v", fi.Mode())
	}
}

func TestHistoryCapped(t *testing.T) {
	p := filepath.Join(t.TempDir(), "history")
	h := &history{path: p}
	for i := range 2*historyCap + 5 {
		h.add(fmt.Sprintf("get /n%d", i))
	}
	got := h.entries()
	if len(got) != historyCap || got[len(got)-1] != fmt.Sprintf("get /n%d", 2*historyCap+4) {
		t.Fatalf("%d entries, last %q", len(got), got[len(got)-1])
	}
	data, _ := os.ReadFile(p)
	if n := strings.Count(string(data), "\n"); n >= 2*historyCap {
		t.Fatalf("file holds %d lines, not compacted", n)
	}
}

func TestHoldsCredentials(t *testing.T) {
	for line, want := range map[string]bool{
		"addauth digest u:p":                                   true,
		"ls /; addauth digest u:p":                             true,
		"pwd;addauth digest u:p":                               true,
		"ls --auth=digest:u:p /":                               true,
		"ls -auth digest:u:p /":                                true,
		`create /a x "digest:u:h:cdr"`:                         true,
		`"addauth" digest u:secret`:                            true,
		`'addauth' digest u:secret`:                            true,
		"  addauth\tdigest u:p":                                true,
		`ls "--auth=digest:u:p" /`:                             true,
		`ls '-auth' x /`:                                       true,
		`"addauth digest u:p`:                                  true, // unbalanced: refused, but never recorded either
		"get /auth":                                            false,
		"create /authors x":                                    false,
		"ls --auth-file /etc/zk-auth /":                        false, // a path, not a secret: kept
		"ls --sasl-user bob --sasl-password-file /etc/zk-pw /": false,
	} {
		if got := holdsCredentials(line); got != want {
			t.Errorf("holdsCredentials(%q) = %v", line, got)
		}
	}
}

// A line too long to be typed again is run but not recorded, and an over-long line in the file (written
// by another version) is skipped, not the end of the history.
func TestHistoryHugeLines(t *testing.T) {
	p := filepath.Join(t.TempDir(), "zksh", "history")
	h := &history{path: p}
	h.add("ls /")
	h.add("set /a " + strings.Repeat("x", 2<<20))
	h.add("get /a")
	if got, want := h.entries(), []string{"ls /", "get /a"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("entries = %.80q, want %q", got, want)
	}
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "set /b %s\nstat /b\n", strings.Repeat("y", 2<<20))
	f.Close()
	if got, want := h.entries(), []string{"ls /", "get /a", "stat /b"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("entries = %.80q, want %q", got, want)
	}
	ph := newPromptHistory(nil)
	ph.Add("pwd")
	ph.Add("set /c " + strings.Repeat("z", 2<<20))
	ph.Add(`'addauth' digest u:p`)
	if got := ph.Entries(); !reflect.DeepEqual(got, []string{"pwd"}) {
		t.Fatalf("arrow-key history %.80q", got)
	}
}
