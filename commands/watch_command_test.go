package commands

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zktest"

	"github.com/zksh/zksh/render"
)

// shellEnv is an Env as the shell has it, on addr, whose watch lines come on the returned channel.
func shellEnv(t *testing.T, addr string) (*Env, <-chan string) {
	t.Helper()
	streams, _, _ := fakeIO("", false)
	env := NewEnv(streams, Settings{Server: addr, SessionTimeout: 10 * time.Second, ConnectTimeout: 5 * time.Second, Output: "plain"})
	env.Interactive, env.InShell = true, true
	lines := make(chan string, 100)
	env.Notify = func(line string) { lines <- line }
	t.Cleanup(env.Close)
	return env, lines
}

// nextLine is the next line the shell printed above the prompt (the test fails if none comes).
func nextLine(t *testing.T, lines <-chan string) string {
	t.Helper()
	select {
	case l := <-lines:
		return l
	case <-time.After(20 * time.Second):
		t.Fatal("no watch event printed")
	}
	return ""
}

func line(t *testing.T, env *Env, words ...string) {
	t.Helper()
	if err := ExecuteLine(context.Background(), env, words); err != nil {
		t.Fatalf("%q: %v", words, err)
	}
}

// TestAddWatchRecursive: addWatch (recursive by default) in the shell prints each change of the
// subtree once, above the prompt, in zkCli's words; removewatches ends it (its removal event is
// the last line) and later changes print nothing. Against Apache and the bundled server.
func TestAddWatchRecursive(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dial(t, addr)
			root := "/TestAddWatchRecursive"
			zkshAt(addr, "deleteall", root)
			mustCreate(t, c, root, nil)
			t.Cleanup(func() { zkshAt(addr, "deleteall", root) })
			env, lines := shellEnv(t, addr)
			line(t, env, "addWatch", root)

			mustCreate(t, c, root+"/a", nil)
			if _, err := c.Set(root+"/a", []byte("x"), -1); err != nil {
				t.Fatal(err)
			}
			mustCreate(t, c, root+"/a/b", nil)
			if err := c.Delete(root+"/a/b", -1); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"NodeCreated " + root + "/a", "NodeDataChanged " + root + "/a",
				"NodeCreated " + root + "/a/b", "NodeDeleted " + root + "/a/b"} {
				if got := nextLine(t, lines); got != "WATCHER: "+want {
					t.Fatalf("got %q, want %q", got, "WATCHER: "+want)
				}
			}
			line(t, env, "removewatches", root)
			if got := nextLine(t, lines); got != "WATCHER: PersistentWatchRemoved "+root {
				t.Fatalf("after removewatches: %q", got)
			}
			// A change after the removal prints nothing: the events of a session come in order, so
			// the first line after it is that of a watch set later.
			mustCreate(t, c, root+"/after", nil)
			line(t, env, "addWatch", "-m", "PERSISTENT", root+"/z")
			mustCreate(t, c, root+"/z", nil)
			if got := nextLine(t, lines); got != "WATCHER: NodeCreated "+root+"/z" {
				t.Fatalf("after the removal: %q", got)
			}
			// No watch left of that kind: removewatches says so (exit 1).
			err := ExecuteLine(context.Background(), env, []string{"removewatches", root})
			if ExitCode(err) != ExitRefused || !strings.Contains(err.Error(), "removewatches "+root) {
				t.Fatalf("removewatches without a watch: %v", err)
			}
		})
	}
}

// TestRemoveWatchesPersistentKind: -p/-r remove a persistent watch by kind on servers that can
// (the bundled one), and on Apache 3.8 fail with exit 1 saying ZooKeeper 3.9 is needed, the watch
// still set.
func TestRemoveWatchesPersistentKind(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dial(t, addr)
			root := "/TestRemoveWatchesPersistentKind"
			zkshAt(addr, "deleteall", root)
			mustCreate(t, c, root, nil)
			t.Cleanup(func() { zkshAt(addr, "deleteall", root) })
			env, lines := shellEnv(t, addr)
			line(t, env, "addWatch", root)
			err := ExecuteLine(context.Background(), env, []string{"removewatches", root, "-r"})
			if err == nil {
				if got := nextLine(t, lines); got != "WATCHER: PersistentWatchRemoved "+root {
					t.Fatalf("after removewatches -r: %q", got)
				}
				return
			}
			if ExitCode(err) != ExitRefused || !strings.Contains(err.Error(), "-r needs ZooKeeper 3.9") {
				t.Fatalf("removewatches -r: %v", err)
			}
			mustCreate(t, c, root+"/a", nil) // the watch is still set
			if got := nextLine(t, lines); got != "WATCHER: NodeCreated "+root+"/a" {
				t.Fatalf("after a refused removal: %q", got)
			}
		})
	}
}

func TestRemoveWatchesUsage(t *testing.T) {
	zksh(t, "removewatches", "/", "-c", "-d").fails(t, ExitUsage, "cannot be combined")
	zksh(t, "addWatch", "-m", "ONCE", "/").fails(t, ExitUsage, `-m "ONCE": the mode is PERSISTENT or PERSISTENT_RECURSIVE`)
	zksh(t, "printwatches", "maybe").fails(t, ExitUsage, `"maybe": want on or off`)
	zksh(t, "printwatches", "off").fails(t, ExitUsage, "run it in the shell")
	zksh(t, "watch", "--count", "-1", "/").fails(t, ExitUsage, "--count -1")
}

// TestPrintWatches: printwatches prints zkCli's text and its setting is the shell's.
func TestPrintWatches(t *testing.T) {
	streams, out, _ := fakeIO("", false)
	env := NewEnv(streams, Settings{Server: "127.0.0.1:1", Output: "plain"})
	env.InShell = true
	for _, words := range [][]string{{"printwatches"}, {"printwatches", "off"}, {"printwatches"}, {"printwatches", "on"}, {"printwatches"}} {
		if err := ExecuteLine(context.Background(), env, words); err != nil {
			t.Fatal(err)
		}
	}
	if got := out.String(); got != "printwatches is on\nprintwatches is off\nprintwatches is on\n" {
		t.Fatalf("%q", got)
	}
	// The watch lines (addWatch's, -w's) go through notifyWatch: off, they are not printed.
	var shown []string
	env.Notify = func(l string) { shown = append(shown, l) }
	for _, words := range [][]string{{"printwatches", "off"}, {"a"}, {"printwatches", "on"}, {"b"}} {
		if words[0] != "printwatches" {
			env.notifyWatch(words[0])
		} else if err := ExecuteLine(context.Background(), env, words); err != nil {
			t.Fatal(err)
		}
	}
	if len(shown) != 1 || shown[0] != "b" {
		t.Fatalf("printed %q, want only b", shown)
	}
}

// TestWatchCountJSON: watch --count N -o json exits 0 after N events, each a JSON line with its
// time, event and path. Against Apache and the bundled server.
func TestWatchCountJSON(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dial(t, addr)
			root := "/TestWatchCountJSON"
			zkshAt(addr, "deleteall", root)
			mustCreate(t, c, root, nil)
			mustCreate(t, c, root+"/x", nil)
			t.Cleanup(func() { zkshAt(addr, "deleteall", root) })
			done := make(chan result)
			go func() { done <- zkshAt(addr, "-o", "json", "watch", "-R", "--count", "3", root) }()
			// Change the znode until the command has had its events (it sets its watch at some point).
			var r result
		loop:
			for i := 0; ; i++ {
				select {
				case r = <-done:
					break loop
				case <-time.After(50 * time.Millisecond):
					if _, err := c.Set(root+"/x", []byte{byte(i)}, -1); err != nil {
						t.Fatal(err)
					}
				}
			}
			r.must(t)
			ls := strings.Split(strings.TrimSuffix(r.out, "\n"), "\n")
			if len(ls) != 3 {
				t.Fatalf("%d lines: %q", len(ls), r.out)
			}
			for _, l := range ls {
				var e render.EventJSON
				if err := json.Unmarshal([]byte(l), &e); err != nil {
					t.Fatalf("%q: %v", l, err)
				}
				if _, err := time.Parse(time.RFC3339, e.Time); err != nil || e.Event != "NodeDataChanged" || e.Path != root+"/x" {
					t.Fatalf("%q: %+v (time: %v)", l, e, err)
				}
			}
		})
	}
}

// TestWatchTimeout: watch and a one-shot addWatch exit 3 at --wait-timeout, nothing on stdout.
func TestWatchTimeout(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			for _, args := range [][]string{{"watch", "/"}, {"addWatch", "/zookeeper"}} {
				r := zkshAt(addr, append([]string{"--wait-timeout", "300ms"}, args...)...)
				if r.code != ExitUnavailable || r.out != "" || !strings.Contains(r.err, "--wait-timeout 300ms reached after 0 events") {
					t.Fatalf("%q: exit %d, stdout %q, stderr %q", args, r.code, r.out, r.err)
				}
			}
		})
	}
}

// TestWatchPlainLines: watch prints time, type and path, one line per event, and several paths.
func TestWatchPlainLines(t *testing.T) {
	addr := zktest.Server(t)
	c := dial(t, addr)
	root := testRoot(t)
	mustCreate(t, c, root+"/a", nil)
	done := make(chan result)
	go func() { done <- zkshAt(addr, "-o", "plain", "watch", "--count", "2", root, root+"/a") }()
	var r result
loop:
	for i := 0; ; i++ {
		select {
		case r = <-done:
			break loop
		case <-time.After(50 * time.Millisecond):
			if _, err := c.Set(root+"/a", []byte{byte(i)}, -1); err != nil {
				t.Fatal(err)
			}
		}
	}
	r.must(t)
	for _, l := range strings.Split(strings.TrimSuffix(r.out, "\n"), "\n") {
		f := strings.Fields(l)
		if len(f) != 3 || f[1] != "NodeDataChanged" || f[2] != root+"/a" {
			t.Fatalf("%q", r.out)
		}
		if _, err := time.Parse(render.EventTimeLayout, f[0]); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
	}
}

// cancelWriter cancels a context at its first write.
type cancelWriter struct {
	strings.Builder
	cancel context.CancelFunc
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	defer w.cancel()
	return w.Builder.Write(p)
}

// TestWatchInterrupted: Ctrl-C (the line's context cancelled) ends watch with exit 130, the
// events printed so far kept.
func TestWatchInterrupted(t *testing.T) {
	addr := zktest.Server(t)
	c := dial(t, addr)
	root := testRoot(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	streams, _, errOut := fakeIO("", false)
	out := &cancelWriter{cancel: cancel}
	streams.Out = out
	env := NewEnv(streams, Settings{Server: addr, ConnectTimeout: 5 * time.Second, Output: "plain"})
	defer env.Close()
	done := make(chan error)
	go func() { done <- ExecuteLine(ctx, env, []string{"watch", root}) }()
	var err error
loop:
	for i := 0; ; i++ {
		select {
		case err = <-done:
			break loop
		case <-time.After(50 * time.Millisecond):
			if _, err := c.Set(root, []byte{byte(i)}, -1); err != nil {
				t.Fatal(err)
			}
		}
	}
	if ExitCode(err) != ExitInterrupted || !strings.Contains(err.Error(), "interrupted after 1 event") ||
		strings.Count(out.String(), "\n") != 1 || !strings.Contains(out.String(), " NodeDataChanged "+root+"\n") {
		t.Fatalf("err %v, stdout %q, stderr %q", err, out.String(), errOut)
	}
}

// TestWatchRearm: on servers without persistent watches, watch sets one-shot watches again after
// each event: a znode changed again and again keeps giving events.
func TestWatchRearm(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := dial(t, addr)
			root := "/TestWatchRearm"
			zkshAt(addr, "deleteall", root)
			mustCreate(t, c, root, nil)
			t.Cleanup(func() { zkshAt(addr, "deleteall", root) })
			env, _ := shellEnv(t, addr)
			zc, err := env.Client(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			events := make(chan zk.Event)
			go rearm(ctx, zc, root, events)
			for n, i := 0, 0; n < 3; i++ {
				select {
				case ev := <-events:
					if ev.Type != zk.EventNodeDataChanged || ev.Path != root {
						t.Fatalf("event %+v", ev)
					}
					n++
				case <-time.After(50 * time.Millisecond):
					if _, err := c.Set(root, []byte{byte(i)}, -1); err != nil {
						t.Fatal(err)
					}
				}
			}
		})
	}
}
