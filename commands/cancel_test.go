package commands

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/zksh/zksh/internal/zktest"
)

// cancelOn cancels a context when something containing word is written (a progress line).
type cancelOn struct {
	syncBuffer
	word   string
	cancel context.CancelFunc
}

func (c *cancelOn) Write(p []byte) (int, error) {
	if strings.Contains(string(p), c.word) {
		c.cancel()
	}
	return c.syncBuffer.Write(p)
}

// TestDeleteAllInterrupted stops deleteall the way Ctrl-C does (its context is cancelled) right after
// the first progress report: it stops early, says how far it got, and exits 130.
func TestDeleteAllInterrupted(t *testing.T) {
	root := testRoot(t)
	c := client(t)
	paths := []string{root + "/t"}
	for i := 0; i < 200; i++ {
		paths = append(paths, fmt.Sprintf("%s/t/%03d", root, i))
	}
	mustCreateAll(t, c, paths...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	streams, _, _ := fakeIO("", false)
	errOut := &cancelOn{word: "deleted", cancel: cancel}
	streams.ErrOut, streams.ErrTTY = errOut, true
	s, _ := DefaultSettings(func(string) string { return "" })
	s.Server = zktest.Server(t)
	env := NewEnv(streams, s)
	defer env.Close()
	cmd := NewRootCmd(env)
	cmd.SetArgs([]string{"deleteall", "-b", "5", root + "/t"})
	err := cmd.ExecuteContext(ctx)
	if ExitCode(err) != ExitInterrupted {
		t.Fatalf("err %v (exit %d), stderr %q", err, ExitCode(err), errOut.String())
	}
	m := regexp.MustCompile(`interrupted after deleting (\d+) nodes`).FindStringSubmatch(err.Error())
	if m == nil {
		t.Fatalf("message %q", err)
	}
	n, _ := strconv.Atoi(m[1])
	kids, _, _ := c.Children(root + "/t")
	if n == 0 || n >= 201 || len(kids) != 200-n {
		t.Fatalf("reported %d deleted; %d children left", n, len(kids))
	}
	if !strings.HasSuffix(errOut.String(), "\r\033[K") {
		t.Fatalf("progress line not cleared: %q", errOut.String())
	}
}

// TestCopyInterruptedWhileReading: Ctrl-C while cp, mirror or diff still reads says that nothing
// was changed, and exits 130.
func TestCopyInterruptedWhileReading(t *testing.T) {
	root := testRoot(t)
	c := client(t)
	mustCreateAll(t, c, root+"/src", root+"/src/a")
	for _, args := range [][]string{
		{"cp", "-R", root + "/src", root + "/dst"},
		{"mirror", root + "/src", root + "/dst"},
		{"diff", root + "/src", root},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		streams, out, _ := fakeIO("", false)
		s, _ := DefaultSettings(func(string) string { return "" })
		s.Server = zktest.Server(t)
		env := NewEnv(streams, s)
		cmd := NewRootCmd(env)
		cmd.SetArgs(args)
		err := cmd.ExecuteContext(ctx)
		env.Close()
		if ExitCode(err) != ExitInterrupted || !strings.Contains(fmt.Sprint(err), "interrupted while reading; nothing was changed") || out.Len() != 0 {
			t.Errorf("%q: err %v (exit %d), stdout %q", args, err, ExitCode(err), out)
		}
		if ok, _, _ := c.Exists(root + "/dst"); ok {
			t.Fatalf("%q: %s/dst was created", args, root)
		}
	}
}

// TestExportToStdoutInterrupted: Ctrl-C during an export to stdout says the output there is
// incomplete (it has gone out already); to a file, that nothing was written.
func TestExportToStdoutInterrupted(t *testing.T) {
	root := testRoot(t)
	c := client(t)
	paths := []string{root + "/e"}
	for i := 0; i < 50; i++ {
		paths = append(paths, fmt.Sprintf("%s/e/%03d", root, i))
	}
	mustCreateAll(t, c, paths...)
	dir := t.TempDir()
	for file, want := range map[string]string{"-": "the export on stdout is incomplete", dir + "/x.jsonl": "nothing written to " + dir + "/x.jsonl"} {
		ctx, cancel := context.WithCancel(context.Background())
		streams, _, _ := fakeIO("", false)
		errOut := &cancelOn{word: "exported", cancel: cancel}
		streams.ErrOut, streams.ErrTTY = errOut, true
		s, _ := DefaultSettings(func(string) string { return "" })
		s.Server = zktest.Server(t)
		env := NewEnv(streams, s)
		cmd := NewRootCmd(env)
		cmd.SetArgs([]string{"export", root + "/e", "-f", file})
		err := cmd.ExecuteContext(ctx)
		env.Close()
		cancel()
		if ExitCode(err) != ExitInterrupted || !strings.Contains(fmt.Sprint(err), want) {
			t.Errorf("export -f %s: err %v (exit %d), want %q", file, err, ExitCode(err), want)
		}
	}
}
