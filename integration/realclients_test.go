package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zksh/zksh/internal/zktest"
)

// Real clients against both servers: the same session is run against Apache
// ZooKeeper and the bundled server and the normalized outputs must be equal.

var realRun atomic.Int64

// compareClients runs session against the reference and the bundled server
// at once and compares what normalize makes of the outputs.
func compareClients(t *testing.T, session func(t *testing.T, addr string) string, normalize func(string) string) {
	t.Helper()
	refAddr := zktest.Apache(t)
	name, ourAddr, _ := bundled(t, nil, nil)
	var want, got string
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); want = normalize(session(t, refAddr)) }()
	go func() { defer wg.Done(); got = normalize(session(t, ourAddr)) }()
	wg.Wait()
	if os.Getenv("ZKSH_IT_SHOW") != "" {
		t.Logf("apache:\n%s", want)
	}
	if want != got {
		d := lineDiff(strings.Split(want, "\n"), strings.Split(got, "\n"))
		t.Errorf("apache (-) and %s (+) differ:\n%s", name, d)
	}
}

var (
	zxidLine  = regexp.MustCompile(`^([cmp]Zxid = )0x([0-9a-f]+)$`)
	timeLine  = regexp.MustCompile(`^([cm]time = ).*$`)
	ownerLine = regexp.MustCompile(`^ephemeralOwner = 0x[0-9a-f]*[1-9a-f][0-9a-f]*$`)
)

// normalizeZkCli drops JVM and logging noise, rebases zxids on the first one
// printed, hides times and session ids, and moves watch notifications (which
// zkCli prints from another thread, so at no fixed place) to a sorted list at
// the end.
func normalizeZkCli(root, addr string) func(string) string {
	return func(out string) string {
		var lines, events []string
		var base int64 = -1
		for _, l := range strings.Split(out, "\n") {
			l = strings.TrimRight(l, "\r")
			switch {
			case strings.HasPrefix(l, "SLF4J:"), l == "WATCHER::", l == "":
				continue
			case strings.HasPrefix(l, "WatchedEvent "):
				events = append(events, strings.ReplaceAll(l, root, "/zkcli"))
				continue
			}
			if m := zxidLine.FindStringSubmatch(l); m != nil {
				z, _ := strconv.ParseInt(m[2], 16, 64)
				if base < 0 {
					base = z
				}
				l = fmt.Sprintf("%sz+%d", m[1], z-base)
			}
			if strings.HasPrefix(l, "[/") && strings.HasSuffix(l, "]") {
				// getEphemerals prints paths in the server's order, which Apache leaves open.
				paths := strings.Split(l[1:len(l)-1], ", ")
				sort.Strings(paths)
				l = "[" + strings.Join(paths, ", ") + "]"
			}
			l = timeLine.ReplaceAllString(l, "${1}TIME")
			l = ownerLine.ReplaceAllString(l, "ephemeralOwner = SESSION")
			l = strings.ReplaceAll(l, addr, "ADDR")
			l = strings.ReplaceAll(l, root, "/zkcli")
			lines = append(lines, l)
		}
		sort.Strings(events)
		return strings.Join(lines, "\n") + "\nevents:\n" + strings.Join(events, "\n")
	}
}

// TestZkCliSession feeds one scripted zkCli.sh session (testdata/zkcli_session.txt)
// to Apache's zkCli.sh against each server: one JVM per server.
func TestZkCliSession(t *testing.T) {
	zkCli := zktest.ZkCli(t)
	script, err := os.ReadFile("testdata/zkcli_session.txt")
	if err != nil {
		t.Fatal(err)
	}
	root := fmt.Sprintf("/zkcli%d", realRun.Add(1))
	input := strings.ReplaceAll(string(script), "/zkcli", root)
	session := func(t *testing.T, addr string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		run := func(stdin string, args ...string) string {
			cmd := exec.CommandContext(ctx, zkCli, append([]string{"-server", addr}, args...)...)
			cmd.Stdin = strings.NewReader(stdin)
			var out bytes.Buffer
			cmd.Stdout = &out
			cmd.Stderr = &out
			cmd.Env = append(os.Environ(), "CLIENT_JVMFLAGS=-XX:TieredStopAtLevel=1 -Xshare:auto")
			err := cmd.Run()
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				t.Errorf("zkCli.sh against %s: %v\n%s", addr, err, out.String())
				return ""
			}
			return normalizeZkCli(root, addr)(out.String()) + fmt.Sprintf("\nexit status %d", cmd.ProcessState.ExitCode())
		}
		// The scripted session on stdin, then one command as a one-shot
		// invocation, as CI scripts call zkCli.sh.
		return run(input) + "\none-shot:\n" + run("", "ls", "-R", root)
	}
	compareClients(t, session, func(s string) string { return s })
}

// TestKazooRecipes runs testdata/kazoo_recipes.py (python3-kazoo: lock,
// election, queue, counter, barrier and more) against each server.
func TestKazooRecipes(t *testing.T) {
	py := zktest.RequireKazoo(t)
	root := fmt.Sprintf("/kazoo%d", realRun.Add(1))
	session := func(t *testing.T, addr string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, py, "testdata/kazoo_recipes.py", addr, root)
		var out, errOut bytes.Buffer
		cmd.Stdout = &out
		cmd.Stderr = &errOut
		if err := cmd.Run(); err != nil {
			t.Errorf("kazoo against %s: %v\nstdout:\n%s\nstderr:\n%s", addr, err, out.String(), errOut.String())
		}
		return strings.ReplaceAll(out.String(), root, "R")
	}
	compareClients(t, session, func(s string) string { return s })
}
