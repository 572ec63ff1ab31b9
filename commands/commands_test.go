package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/internal/zktest"
)

func TestCreate(t *testing.T) {
	root := testRoot(t)
	c := client(t)

	r := zksh(t, "create", root+"/a", "v1").must(t)
	if r.out != root+"/a\n" {
		t.Fatalf("create prints the path: %q", r.out)
	}
	if data, _, err := c.Get(root + "/a"); err != nil || string(data) != "v1" {
		t.Fatalf("created data %q, %v", data, err)
	}
	zksh(t, "create", root+"/a").fails(t, 1, "create "+root+"/a: node already exists")
	zksh(t, "create", root+"/missing/child").fails(t, 1, "node does not exist")

	// Sequential names come back so scripts can capture them.
	r = zksh(t, "create", "-s", root+"/q-", "x").must(t)
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(root) + `/q-\d{10}\n$`).MatchString(r.out) {
		t.Fatalf("sequential: %q", r.out)
	}
	// zkCli's trailing-slash form for sequential children.
	zksh(t, "create", root+"/seq").must(t)
	r = zksh(t, "create", root+"/seq/", "-s").must(t)
	if r.out != root+"/seq/0000000000\n" {
		t.Fatalf("sequential under /: %q", r.out)
	}

	// An ephemeral node belongs to the one-shot session and is gone when zksh exits.
	zksh(t, "create", "-e", root+"/eph").must(t)
	if ok, _, _ := c.Exists(root + "/eph"); ok {
		t.Fatal("ephemeral node outlived its one-shot session")
	}

	// Containers and TTL nodes (the test server has extendedTypesEnabled).
	zksh(t, "create", "-c", root+"/box").must(t)
	zksh(t, "create", "-t", "60000", root+"/ttl").must(t)
	for _, p := range []string{"/box", "/ttl"} {
		if ok, _, err := c.Exists(root + p); err != nil || !ok {
			t.Fatalf("%s: %v %v", p, ok, err)
		}
	}

	// Data from stdin and from a file.
	zkshIn(t, "piped\n", "create", root+"/stdin", "-").must(t)
	if data, _, _ := c.Get(root + "/stdin"); string(data) != "piped\n" {
		t.Fatalf("stdin data %q", data)
	}

	// ACL given as the third operand.
	zksh(t, "create", root+"/ro", "x", "world:anyone:r").must(t)
	if acl, _, _ := c.GetACL(root + "/ro"); len(acl) != 1 || acl[0].Perms != zk.PermRead {
		t.Fatalf("acl %+v", acl)
	}
	zksh(t, "set", root+"/ro", "y").fails(t, 1, "not authorized")

	// JSON.
	r = zksh(t, "-o", "json", "create", root+"/j").must(t)
	var got struct{ Path string }
	if err := json.Unmarshal([]byte(r.out), &got); err != nil || got.Path != root+"/j" {
		t.Fatalf("json %q: %v", r.out, err)
	}
}

func TestGet(t *testing.T) {
	root := testRoot(t)
	c := client(t)
	mustCreate(t, c, root+"/text", []byte("hello world"))
	mustCreate(t, c, root+"/bin", []byte{0xff, 0x00, 0x10})
	mustCreate(t, c, root+"/empty", nil)

	if r := zksh(t, "get", root+"/text").must(t); r.out != "hello world\n" {
		t.Fatalf("plain: %q", r.out)
	}
	r := zksh(t, "get", "-s", root+"/text").must(t)
	if !strings.HasPrefix(r.out, "hello world\ncZxid = 0x") || !strings.Contains(r.out, "\ndataLength = 11\nnumChildren = 0\n") {
		t.Fatalf("get -s: %q", r.out)
	}
	// No data at all reads as zkCli shows it.
	if r := zksh(t, "get", root+"/empty").must(t); r.out != "null\n" {
		t.Fatalf("no data: %q", r.out)
	}
	if r := zksh(t, "get", "-b", root+"/bin").must(t); r.out != "/wAQ\n" {
		t.Fatalf("base64: %q", r.out)
	}
	if r := zksh(t, "get", root+"/bin", "-x").must(t); !strings.HasPrefix(r.out, "00000000  ff 00 10") {
		t.Fatalf("hex: %q", r.out)
	}

	// JSON: text as data, binary as dataBase64 with data null; stat keys spelled as zkCli spells them.
	var text, bin map[string]any
	decode(t, zksh(t, "-o", "json", "get", root+"/text").must(t).out, &text)
	if text["data"] != "hello world" || text["dataBase64"] != nil {
		t.Fatalf("json text: %v", text)
	}
	st := text["stat"].(map[string]any)
	for _, k := range []string{"cZxid", "ctime", "mZxid", "mtime", "pZxid", "cversion", "dataVersion", "aclVersion", "ephemeralOwner", "dataLength", "numChildren"} {
		if _, ok := st[k]; !ok {
			t.Errorf("stat key %s missing: %v", k, st)
		}
	}
	if !strings.HasPrefix(st["cZxid"].(string), "0x") || st["ephemeralOwner"] != "0x0" {
		t.Errorf("zxids as 0x strings: %v", st)
	}
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`).MatchString(st["mtime"].(string)) {
		t.Errorf("mtime not RFC 3339 UTC with ms: %v", st["mtime"])
	}
	decode(t, zksh(t, "-o", "json", "get", root+"/bin").must(t).out, &bin)
	if bin["data"] != nil || bin["dataBase64"] != "/wAQ" {
		t.Fatalf("json binary: %v", bin)
	}

	// Binary data is never written raw to a terminal.
	addr := zktest.Server(t)
	streams, out, _ := fakeIO("", true)
	if code := Main([]string{"--server", addr, "get", root + "/bin"}, streams, nil); code != 0 || strings.ContainsRune(out.String(), 0xff) || !strings.Contains(out.String(), "ff 00 10") {
		t.Fatalf("tty binary: exit %d %q", code, out.String())
	}

	zksh(t, "get", root+"/none").fails(t, 1, "zksh: get "+root+"/none: node does not exist")
	zksh(t, "get", root+"/text/").fails(t, 2, "must not end with /")
}

func TestSetDeleteStat(t *testing.T) {
	root := testRoot(t)
	c := client(t)
	mustCreate(t, c, root+"/n", []byte("a"))

	zksh(t, "set", root+"/n", "b").must(t)
	zksh(t, "set", "-v", "0", root+"/n", "c").fails(t, 1, "version does not match")
	r := zksh(t, "set", "-s", "-v", "1", root+"/n", "hello there").must(t)
	if !strings.Contains(r.out, "dataVersion = 2\n") {
		t.Fatalf("set -s: %q", r.out)
	}
	zksh(t, "set", root+"/none", "x").fails(t, 1, "node does not exist")

	r = zksh(t, "stat", root+"/n").must(t)
	lines := strings.Split(strings.TrimSuffix(r.out, "\n"), "\n")
	wantKeys := []string{"cZxid", "ctime", "mZxid", "mtime", "pZxid", "cversion", "dataVersion", "aclVersion", "ephemeralOwner", "dataLength", "numChildren"}
	if len(lines) != len(wantKeys) {
		t.Fatalf("stat: %q", r.out)
	}
	for i, k := range wantKeys {
		if !strings.HasPrefix(lines[i], k+" = ") {
			t.Errorf("stat line %d = %q, want key %s", i, lines[i], k)
		}
	}
	if lines[9] != "dataLength = 11" {
		t.Errorf("dataLength line %q", lines[9])
	}
	var sj struct {
		Path string
		Stat struct {
			DataVersion int    `json:"dataVersion"`
			MZxid       string `json:"mZxid"`
		}
	}
	decode(t, zksh(t, "-o", "json", "stat", root+"/n").must(t).out, &sj)
	if sj.Path != root+"/n" || sj.Stat.DataVersion != 2 || !strings.HasPrefix(sj.Stat.MZxid, "0x") {
		t.Fatalf("stat json %+v", sj)
	}
	if r := zksh(t, "-o", "table", "stat", root+"/n").must(t); !regexp.MustCompile(`(?m)^\s*dataVersion\s+2\s*$`).MatchString(r.out) {
		t.Fatalf("stat table: %q", r.out)
	}
	zksh(t, "stat", root+"/none").fails(t, 1, "stat "+root+"/none: node does not exist")

	mustCreate(t, c, root+"/n/child", nil)
	zksh(t, "delete", root+"/n").fails(t, 1, "node not empty")
	zksh(t, "delete", "-v", "5", root+"/n/child").fails(t, 1, "version does not match")
	zksh(t, "delete", root+"/n/child").must(t)
	zksh(t, "delete", root+"/n").must(t)
	zksh(t, "delete", root+"/n").fails(t, 1, "node does not exist")
}

func TestLs(t *testing.T) {
	root := testRoot(t)
	c := client(t)
	for _, p := range []string{"/b", "/a", "/a/x", "/a/x/deep", "/a-c", "/c"} {
		mustCreate(t, c, root+p, []byte("12345"))
	}
	if r := zksh(t, "ls", root).must(t); r.out != "[a, a-c, b, c]\n" {
		t.Fatalf("ls plain: %q", r.out)
	}
	if r := zksh(t, "-o", "table", "ls", root).must(t); r.out != "a\na-c\nb\nc\n" {
		t.Fatalf("ls table: %q", r.out)
	}
	r := zksh(t, "ls", "-s", root).must(t)
	if !strings.HasPrefix(r.out, "[a, a-c, b, c]\ncZxid = ") || !strings.Contains(r.out, "numChildren = 4\n") {
		t.Fatalf("ls -s: %q", r.out)
	}
	var lj struct {
		Children []string
	}
	decode(t, zksh(t, "-o", "json", "ls", root).must(t).out, &lj)
	if strings.Join(lj.Children, ",") != "a,a-c,b,c" {
		t.Fatalf("ls json: %+v", lj)
	}

	want := strings.Join([]string{root, root + "/a", root + "/a-c", root + "/b", root + "/c", root + "/a/x", root + "/a/x/deep"}, "\n") + "\n"
	if r := zksh(t, "ls", "-R", root).must(t); r.out != want {
		t.Fatalf("ls -R:\n%s\nwant:\n%s", r.out, want)
	}

	var tree struct {
		Path  string
		Nodes []string
	}
	decode(t, zksh(t, "-o", "json", "ls", "-R", root).must(t).out, &tree)
	if tree.Path != root || strings.Join(tree.Nodes, "\n")+"\n" != want {
		t.Fatalf("ls -R json: %+v", tree)
	}
	var withStat struct {
		Stat struct{ NumChildren int }
	}
	decode(t, zksh(t, "-o", "json", "ls", "-s", root).must(t).out, &withStat)
	if withStat.Stat.NumChildren != 4 {
		t.Fatalf("ls -s json: %+v", withStat)
	}

	r = zksh(t, "ls", "-l", root).must(t)
	rows := strings.Split(strings.TrimSuffix(r.out, "\n"), "\n")
	if len(rows) != 4 {
		t.Fatalf("ls -l plain: %q", r.out)
	}
	f := strings.Split(rows[0], "\t")
	if len(f) != 6 || f[0] != "a" || f[1] != "1" || f[2] != "5" || f[3] != "0" || f[5] != "0x0" {
		t.Fatalf("ls -l row: %q", rows[0])
	}
	if _, err := time.Parse(time.RFC3339, f[4]); err != nil {
		t.Fatalf("ls -l time: %v", err)
	}
	r = zksh(t, "-o", "table", "ls", "-l", root).must(t)
	if !strings.Contains(r.out, "NAME") || !strings.Contains(r.out, "EPHEMERAL OWNER") || !regexp.MustCompile(`(?m)^\s*a-c\s+0\s+5\s+0\s`).MatchString(r.out) {
		t.Fatalf("ls -l table: %q", r.out)
	}
	var long struct {
		Children []struct {
			Name string
			Stat struct{ NumChildren int }
		}
	}
	decode(t, zksh(t, "-o", "json", "ls", "-l", root).must(t).out, &long)
	if len(long.Children) != 4 || long.Children[0].Name != "a" || long.Children[0].Stat.NumChildren != 1 {
		t.Fatalf("ls -l json: %+v", long)
	}
	zksh(t, "ls", root+"/none").fails(t, 1, "node does not exist")
	zksh(t, "ls", "-R", root+"/none").fails(t, 1, "node does not exist")
}

func TestDeleteAll(t *testing.T) {
	root := testRoot(t)
	c := client(t)
	// A tree of 1 + 10 + 100 + 100 nodes.
	paths := []string{root + "/t"}
	for i := 0; i < 10; i++ {
		p := fmt.Sprintf("%s/t/%d", root, i)
		paths = append(paths, p)
		for j := 0; j < 10; j++ {
			paths = append(paths, fmt.Sprintf("%s/%d", p, j), fmt.Sprintf("%s/%d/leaf", p, j))
		}
	}
	mustCreateAll(t, c, paths...)
	if r := zksh(t, "getAllChildrenNumber", root+"/t").must(t); r.out != "210\n" {
		t.Fatalf("getAllChildrenNumber: %q", r.out)
	}
	if r := zksh(t, "ls", "-R", root+"/t").must(t); strings.Count(r.out, "\n") != 211 {
		t.Fatalf("ls -R found %d lines", strings.Count(r.out, "\n"))
	}
	var res struct{ Deleted int }
	decode(t, zksh(t, "-o", "json", "deleteall", "-b", "7", root+"/t").must(t).out, &res)
	if res.Deleted != 211 {
		t.Fatalf("deleted %d", res.Deleted)
	}
	if ok, _, _ := c.Exists(root + "/t"); ok {
		t.Fatal("tree still there")
	}
	mustCreate(t, c, root+"/u", nil)
	mustCreate(t, c, root+"/u/v", nil)
	zksh(t, "rmr", root+"/u").must(t)
	if ok, _, _ := c.Exists(root + "/u"); ok {
		t.Fatal("rmr left the node")
	}
	zksh(t, "deleteall", root+"/u").fails(t, 1, "node does not exist")
	zksh(t, "deleteall", "/").fails(t, 2, "refusing without --force")
	zksh(t, "deleteall", "/zookeeper").fails(t, 2, "refusing without --force")
}

func TestWatchOneShot(t *testing.T) {
	root := testRoot(t)
	c := client(t)
	mustCreate(t, c, root+"/w", []byte("1"))

	var wg sync.WaitGroup
	var r result
	wg.Add(1)
	go func() {
		defer wg.Done()
		r = zksh(t, "--wait-timeout", "20s", "get", "-w", root+"/w")
	}()
	waitForWatch(t, root+"/w")
	if _, err := c.Set(root+"/w", []byte("2"), -1); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if r.code != 0 || r.out != "1\nWATCHER: NodeDataChanged "+root+"/w\n" || r.err != "" {
		t.Fatalf("get -w: %+v", r)
	}

	// wchp lists data watches only: wait for ls to print its result, which it does once the child
	// watch is set.
	out := &syncBuffer{}
	done := make(chan int)
	go func() {
		streams, _, _ := fakeIO("", false)
		streams.Out = out
		done <- Main([]string{"--server", zktest.Server(t), "-o", "json", "ls", "-w", root}, streams, nil)
	}()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "\n"); {
		if time.Now().After(deadline) {
			t.Fatal("ls -w printed nothing")
		}
		time.Sleep(10 * time.Millisecond)
	}
	mustCreate(t, c, root+"/new", nil)
	code := <-done
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var ev map[string]string
	if code != 0 || len(lines) != 2 {
		t.Fatalf("ls -w json: %d %q", code, out.String())
	}
	decode(t, lines[1], &ev)
	if ev["event"] != "NodeChildrenChanged" || ev["path"] != root {
		t.Fatalf("event json: %v", ev)
	}

	// stat -w on a node that does not exist yet waits for its creation.
	wg.Add(1)
	go func() {
		defer wg.Done()
		r = zksh(t, "stat", "-w", root+"/later")
	}()
	waitForWatch(t, root+"/later")
	mustCreate(t, c, root+"/later", nil)
	wg.Wait()
	if r.code != 0 || r.out != "WATCHER: NodeCreated "+root+"/later\n" {
		t.Fatalf("stat -w: %+v", r)
	}

	start := time.Now()
	zksh(t, "--wait-timeout", "300ms", "stat", "-w", root+"/w").fails(t, 3, "no watch event within 300ms")
	if time.Since(start) > 5*time.Second {
		t.Fatal("wait-timeout not honoured")
	}
}

// waitForWatch polls the server's wchp until a watch on path is registered.
func waitForWatch(t *testing.T, path string) {
	t.Helper()
	addr := zktest.Server(t)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		out, err := zktest.FourLetter(addr, "wchp")
		if err == nil && regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(path)+`$`).MatchString(out) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	out, err := zktest.FourLetter(addr, "wchp")
	t.Fatalf("no watch on %s registered: %q %v", path, out, err)
}

func TestConnectionErrors(t *testing.T) {
	// A server that accepts connections and never answers: the connect timeout ends the wait.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	silent := l.Addr().String()
	streams, out, errOut := fakeIO("", false)
	start := time.Now()
	code := Main([]string{"--server", silent, "--connect-timeout", "300ms", "get", "/a"}, streams, nil)
	if code != 3 || !strings.Contains(errOut.String(), "could not connect to "+silent+" within 300ms") || out.Len() != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("connect timeout not honoured")
	}
	// Usage errors come before anything is sent: no connection attempt, no wait.
	for _, args := range [][]string{{"get", "/a/"}, {"bogus"}, {"get", "--bogus", "/a"}, {"get"}, {"-o", "yaml", "get", "/a"}, {"create", "-c", "-e", "/a"}} {
		streams, _, errOut := fakeIO("", false)
		start := time.Now()
		code := Main(append([]string{"--server", "127.0.0.1:1", "--connect-timeout", "5s"}, args...), streams, nil)
		if code != 2 || !strings.HasPrefix(errOut.String(), "zksh: ") || time.Since(start) > 2*time.Second {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut.String())
		}
	}
}

func TestZkCliFlagsAndChroot(t *testing.T) {
	root := testRoot(t)
	addr := zktest.Server(t)
	streams, out, errOut := fakeIO("", false)
	if code := Main([]string{"-server", addr, "-timeout", "4000", "create", root + "/z", "zk"}, streams, nil); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if out.String() != root+"/z\n" {
		t.Fatalf("%q", out)
	}
	streams, out, errOut = fakeIO("", false)
	if code := Main([]string{"-s", addr + root, "get", "-s", "/z"}, streams, nil); code != 0 || !strings.HasPrefix(out.String(), "zk\ncZxid") {
		t.Fatalf("chroot: exit %d %q %q", code, out, errOut)
	}
	streams, out, _ = fakeIO("", false)
	if code := Main([]string{"-s", addr + root, "create", "-s", "/q-"}, streams, nil); code != 0 || !strings.HasPrefix(out.String(), "/q-00000") {
		t.Fatalf("chroot create: %d %q", code, out)
	}
}

func TestAuthAndACL(t *testing.T) {
	root := testRoot(t)
	zksh(t, "--auth", "digest:alice:pw", "create", root+"/secret", "s", "auth::cdrwa").must(t)
	zksh(t, "get", root+"/secret").fails(t, 1, "get "+root+"/secret: not authorized")
	if r := zksh(t, "--auth", "digest:alice:pw", "get", root+"/secret").must(t); r.out != "s\n" {
		t.Fatalf("%q", r.out)
	}
	zksh(t, "getAcl", root+"/secret").fails(t, 1, "not authorized") // 3.8 needs READ or ADMIN
	r := zksh(t, "--auth", "digest:alice:pw", "getAcl", root+"/secret").must(t)
	if !regexp.MustCompile(`^'digest,'alice:\S+\n: cdrwa\n$`).MatchString(r.out) {
		t.Fatalf("getAcl: %q", r.out)
	}
	zksh(t, "--auth", "digest:alice:pw", "--force", "setAcl", root+"/secret", "world:anyone:r").must(t)
	var acl struct {
		ACL []struct{ Scheme, ID, Perms string }
	}
	decode(t, zksh(t, "-o", "json", "getAcl", root+"/secret").must(t).out, &acl)
	if len(acl.ACL) != 1 || acl.ACL[0].Perms != "r" || acl.ACL[0].ID != "anyone" {
		t.Fatalf("%+v", acl)
	}
	zksh(t, "setAcl", root+"/secret", "world:anyone:cdrwa").fails(t, 1, "not authorized")
	if r := zksh(t, "--auth", "digest:alice:pw", "whoami").must(t); r.out != "Auth scheme: User\nip: 127.0.0.1\ndigest: alice\n" {
		t.Fatalf("whoami: %q", r.out)
	}
	var who struct{ Identities []zkclient.ClientInfo }
	decode(t, zksh(t, "-o", "json", "whoami").must(t).out, &who)
	if len(who.Identities) != 1 || who.Identities[0] != (zkclient.ClientInfo{Scheme: "ip", User: "127.0.0.1"}) {
		t.Fatalf("whoami json: %+v", who)
	}
	zksh(t, "setAcl", root+"/none", "world:anyone:cdrwa").fails(t, 1, "node does not exist")
	zksh(t, "--auth", "digest:super:secret", "sync", root).must(t)
	zksh(t, "--auth", "nosuchscheme:x", "sync", root).fails(t, 1, "authentication failed")
	if r := zksh(t, "sync", root).must(t); r.out != "Sync is OK\n" {
		t.Fatalf("sync: %q", r.out)
	}
}

func TestHelpAndVersion(t *testing.T) {
	streams, out, errOut := fakeIO("", false)
	if code := Main([]string{"help", "exit-codes"}, streams, nil); code != 0 || !strings.Contains(out.String(), "130  interrupted") || errOut.Len() != 0 {
		t.Fatalf("help exit-codes: %d %q %q", code, out, errOut)
	}
	// It prints README's table: diff's codes (diff(1)'s convention) are in it too.
	for _, want := range []string{"diff exits 1 when the operands differ", "diff also exits 2 when an operand cannot be read"} {
		if !strings.Contains(strings.Join(strings.Fields(out.String()), " "), want) {
			t.Errorf("help exit-codes does not say %q: %q", want, out)
		}
	}
	streams, out, _ = fakeIO("", false)
	if code := Main([]string{"version"}, streams, nil); code != 0 || !strings.HasPrefix(out.String(), "zksh version "+Version) {
		t.Fatalf("version: %q", out)
	}
	streams, out, _ = fakeIO("", false)
	if code := Main([]string{"--help"}, streams, nil); code != 0 || !strings.Contains(out.String(), "deleteall") {
		t.Fatalf("--help: %q", out)
	}
	// No command and no shell to run: a usage error, not a hang.
	streams, _, errOut = fakeIO("", false)
	if code := Main(nil, streams, nil); code != 2 || !strings.Contains(errOut.String(), "no command") {
		t.Fatalf("no command: %d %q", code, errOut)
	}
}

func TestCompleteZnodes(t *testing.T) {
	root := testRoot(t)
	c := client(t)
	mustCreateAll(t, c, root+"/alpha", root+"/alps", root+"/beta", root+"/alpha/x", root+"/alpha/y")
	r := zksh(t, "__complete", "get", root+"/al")
	if r.code != 0 || !strings.HasPrefix(r.out, root+"/alpha\n"+root+"/alps\n:") {
		t.Fatalf("__complete: %q", r.out)
	}
	// A complete name lists its children too.
	r = zksh(t, "__complete", "get", root+"/alpha")
	if r.code != 0 || !strings.HasPrefix(r.out, root+"/alpha\n"+root+"/alpha/x\n"+root+"/alpha/y\n:") {
		t.Fatalf("__complete: %q", r.out)
	}
	r = zksh(t, "__complete", "ls", "-l", root+"/")
	if r.code != 0 || !strings.HasPrefix(r.out, root+"/alpha\n"+root+"/alps\n"+root+"/beta\n:") {
		t.Fatalf("__complete ls -l: %q", r.out)
	}
	// Relative to the current znode is a REPL matter; one-shot, relative means from /.
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		r = zksh(t, "completion", shell)
		if r.code != 0 || !strings.Contains(r.out, "__complete") {
			t.Errorf("completion %s: exit %d, %d bytes", shell, r.code, len(r.out))
		}
	}
}

// TestInteractiveEnv drives the command tree the way the shell does: one fresh tree per line.
func TestInteractiveEnv(t *testing.T) {
	root := testRoot(t)
	addr := zktest.Server(t)
	streams, out, errOut := fakeIO("", false)
	s, _ := DefaultSettings(func(string) string { return "" })
	s.Server = addr
	env := NewEnv(streams, s)
	env.Interactive = true
	defer env.Close()
	events := make(chan string, 4)
	env.Notify = func(line string) { events <- line }
	var wrote []string
	env.OnWrite = func(p string) { wrote = append(wrote, p) }
	line := func(words ...string) error {
		root := NewRootCmd(env)
		root.SetArgs(words)
		return root.ExecuteContext(context.Background())
	}
	for _, l := range [][]string{{"cd", root}, {"create", "app"}, {"cd", "app"}, {"create", "conf", "v"}, {"pwd"}} {
		if err := line(l...); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
	}
	if out.String() != root+"/app\n"+root+"/app/conf\n"+root+"/app\n" {
		t.Fatalf("out %q", out)
	}
	if strings.Join(wrote, ",") != root+","+root+"/app" {
		t.Fatalf("OnWrite %q", wrote)
	}
	out.Reset()
	if err := line("-o", "json", "get", "-w", "conf"); err != nil {
		t.Fatal(err)
	}
	if env.Settings.Output != "" {
		t.Fatal("-o on a REPL line leaked into the session settings")
	}
	c := client(t)
	if _, err := c.Set(root+"/app/conf", []byte("w"), -1); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-events:
		if ev != `{"event":"NodeDataChanged","state":"SyncConnected","path":"`+root+`/app/conf"}` {
			t.Fatalf("event %q", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no watch event")
	}
	out.Reset()
	if err := line("create", "-e", "eph"); err != nil {
		t.Fatal(err)
	}
	if err := line("getEphemerals", root); err != nil || out.String() != root+"/app/eph\n["+root+"/app/eph]\n" {
		t.Fatalf("getEphemerals: %v %q", err, out)
	}
	if err := line("cd", "nope"); ExitCode(err) != 1 || env.Cwd != root+"/app" {
		t.Fatalf("cd nope: %v, cwd %s", err, env.Cwd)
	}
	if err := line("cd", "-"); err != nil || env.Cwd != root {
		t.Fatalf("cd -: %v %s", err, env.Cwd)
	}
	if env.State() != "CONNECTED" || env.Host() != addr {
		t.Fatalf("state %s host %s", env.State(), env.Host())
	}
	if err := line("close"); err != nil || env.State() != "CLOSED" || env.CachedClient() != nil {
		t.Fatalf("close: %v %s", err, env.State())
	}
	if err := line("connect", addr); err != nil || env.State() != "CONNECTED" || env.Cwd != "/" {
		t.Fatalf("connect: %v %s %s", err, env.State(), env.Cwd)
	}
	if errOut.Len() != 0 {
		t.Fatalf("stderr %q", errOut)
	}
}

func mustCreate(t *testing.T, c *zk.Conn, p string, data []byte) {
	t.Helper()
	if _, err := c.Create(p, data, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("create %s: %v", p, err)
	}
}

// mustCreateAll creates the paths, parents first, in one multi request (one fsync on the server).
func mustCreateAll(t *testing.T, c *zk.Conn, paths ...string) {
	t.Helper()
	ops := make([]any, len(paths))
	for i, p := range paths {
		ops[i] = &zk.CreateRequest{Path: p, Acl: zk.WorldACL(zk.PermAll)}
	}
	if _, err := c.Multi(ops...); err != nil {
		t.Fatalf("create %d nodes: %v", len(paths), err)
	}
}

func decode(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
}

// syncBuffer is a bytes.Buffer safe to read while a command writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestCompletionUnknownShell: `completion SHELL` for a shell zksh has no script for is a usage error
// (exit 2), not its help with exit 0 (a script redirecting it would keep the help as a script).
func TestCompletionUnknownShell(t *testing.T) {
	streams, out, errOut := fakeIO("", false)
	if code := Main([]string{"completion", "tcsh"}, streams, nil); code != ExitUsage || out.Len() != 0 || !strings.Contains(errOut.String(), `"tcsh"`) {
		t.Fatalf("completion tcsh: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
		streams, out, errOut = fakeIO("", false)
		if code := Main([]string{"completion", sh}, streams, nil); code != 0 || out.Len() == 0 || errOut.Len() != 0 {
			t.Fatalf("completion %s: exit %d, stderr %q", sh, code, errOut)
		}
	}
	streams, out, _ = fakeIO("", false)
	if code := Main([]string{"completion"}, streams, nil); code != 0 || !strings.Contains(out.String(), "bash") {
		t.Fatalf("completion alone: exit %d, %q", code, out)
	}
}
