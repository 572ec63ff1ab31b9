package commands

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/server"
)

// bundledExtended starts a bundled server with TTL znodes enabled, as the Apache test servers are.
func bundledExtended(t *testing.T) string { return bundledServer(t).Addr() }

func bundledServer(t *testing.T) *server.Server {
	t.Helper()
	s, err := server.New(server.Config{ExtendedTypesEnabled: true, ContainerCheckInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// on runs zksh against server with stdin.
func on(t *testing.T, server, stdin string, args ...string) result {
	t.Helper()
	streams, out, errOut := fakeIO(stdin, false)
	code := Main(append([]string{"--server", server, "--timeout", "4s"}, args...), streams, nil)
	return result{out.String(), errOut.String(), code}
}

func connectTo(t *testing.T, addr string) *zk.Conn {
	t.Helper()
	c, ev, err := zk.Connect([]string{addr}, 4*time.Second, zk.WithLogger(nopLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	for e := range ev {
		if e.State == zk.StateHasSession {
			break
		}
	}
	t.Cleanup(c.Close)
	return c
}

// exportFixture builds, under root, a tree with text and binary data, ACLs, a container, a TTL
// znode, sequential names and an ephemeral znode (owned by c's session).
func exportFixture(t *testing.T, c *zk.Conn, root string) []byte {
	t.Helper()
	open := zk.WorldACL(zk.PermAll)
	binary := []byte{0xff, 0x00, 0x01, 0xfe, '\n', 0x80}
	must := func(_ string, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.Create(root, []byte("top"), 0, open))
	must(c.Create(root+"/text", []byte("hello\nworld ü"), 0, open))
	must(c.Create(root+"/bin", binary, 0, open))
	must(c.Create(root+"/empty", nil, 0, open))
	must(c.Create(root+"/acl", []byte("guarded"), 0, []zk.ACL{
		{Perms: zk.PermRead | zk.PermCreate | zk.PermWrite | zk.PermDelete, Scheme: "world", ID: "anyone"},
		{Perms: zk.PermAll, Scheme: "digest", ID: "ops:w4PIv8/Wzcq4qj4/MfEQ8pvUSS4="},
	}))
	must(c.Create(root+"/acl/below", []byte("x"), 0, zk.WorldACL(zk.PermRead)))
	must(c.CreateContainer(root+"/box", []byte("c"), zk.FlagContainer, open))
	must(c.Create(root+"/box/item", []byte("i"), 0, open))
	must(c.CreateTTL(root+"/ttl", []byte("t"), zk.FlagTTL, open, time.Hour))
	must(c.Create(root+"/queue", nil, 0, open))
	for i := 0; i < 3; i++ {
		must(c.Create(root+"/queue/job-", []byte(fmt.Sprint(i)), zk.FlagSequence, open))
	}
	must(c.Create(root+"/queue/lock-", nil, zk.FlagEphemeral|zk.FlagSequence, open))
	return binary
}

func TestExportImportRoundTrip(t *testing.T) {
	local := bundledExtended(t)
	for name, addr := range zktest.Targets(t, local) {
		t.Run(name, func(t *testing.T) {
			c := connectTo(t, addr)
			root, copyRoot := "/roundtrip-"+name, "/roundtrip-copy-"+name
			binary := exportFixture(t, c, root)
			t.Cleanup(func() { on(t, addr, "", "deleteall", root); on(t, addr, "", "deleteall", copyRoot) })
			file := filepath.Join(t.TempDir(), "tree.jsonl")

			// Without ADMIN permission on /acl the server hides its digest: the export refuses.
			on(t, addr, "", "export", root, "-f", file).fails(t, 1, "export "+root+"/acl: the server hid the password digest")
			if _, err := os.Stat(file); !os.IsNotExist(err) {
				t.Fatalf("a failed export left %s: %v", file, err)
			}
			r := on(t, addr, "", "--auth", "digest:ops:secret", "export", root, "-f", file).must(t)
			if !strings.Contains(r.out, "exported 13 znodes") { // the ephemeral left out
				t.Fatalf("export: %q", r.out)
			}
			text, _ := os.ReadFile(file)
			lines := strings.Split(strings.TrimSpace(string(text)), "\n")
			if !strings.HasPrefix(lines[0], `{"format":"zksh-export","version":2,"source":"`+addr+`","root":"`+root+`"`) {
				t.Fatalf("header: %s", lines[0])
			}
			if strings.Contains(string(text), "lock-") {
				t.Fatalf("the ephemeral znode was exported without --include-ephemeral")
			}
			if !strings.Contains(string(text), `"path":"/bin","mode":"persistent","encoding":"base64","data":"/wAB/gqA"`) {
				t.Fatalf("binary data not in base64:\n%s", text)
			}
			// Parents before children.
			seen := map[string]bool{}
			for _, l := range lines[1:] {
				p := l[len(`{"path":"`):strings.Index(l, `","mode"`)]
				if parent := p[:strings.LastIndex(p, "/")]; p != "/" && parent != "" && !seen[parent] {
					t.Fatalf("%s before its parent", p)
				}
				seen[p] = true
			}

			on(t, addr, "", "import", "-f", file, copyRoot).must(t)
			on(t, addr, "", "diff", root, copyRoot).must(t)
			on(t, addr, "", "diff", file, copyRoot).must(t)
			if data, _, err := c.Get(copyRoot + "/bin"); err != nil || !bytes.Equal(data, binary) {
				t.Fatalf("imported binary data %x, %v; want %x", data, err, binary)
			}
			c.AddAuth("digest", []byte("ops:secret"))
			if acl, _, err := c.GetACL(copyRoot + "/acl"); err != nil || len(acl) != 2 || acl[1].ID != "ops:w4PIv8/Wzcq4qj4/MfEQ8pvUSS4=" {
				t.Fatalf("imported ACL %v, %v", acl, err)
			}
			kids, _, err := c.Children(copyRoot + "/queue")
			if err != nil || len(kids) != 3 || !strings.Contains(strings.Join(kids, " "), "job-0000000002") {
				t.Fatalf("sequential names: %v %v", kids, err)
			}
			// Stdin and stdout work as files.
			r = on(t, addr, "", "--auth", "digest:ops:secret", "export", root)
			on(t, addr, r.out, "--auth", "digest:ops:secret", "diff", "-", copyRoot).must(t)
		})
	}
}

func TestImportModesFromFile(t *testing.T) {
	srv := bundledServer(t)
	for name, addr := range zktest.Targets(t, srv.Addr()) {
		t.Run(name, func(t *testing.T) {
			root := "/modes-" + name
			t.Cleanup(func() { on(t, addr, "", "deleteall", root) })
			file := filepath.Join(t.TempDir(), "modes.jsonl")
			acl := `"acl":[{"scheme":"world","id":"anyone","perms":"cdrwa"}]`
			os.WriteFile(file, []byte(`{"format":"zksh-export","version":1,"source":"hand","root":"/x","time":"2026-01-01T00:00:00Z"}
{"path":"/","mode":"persistent","encoding":"utf8","data":"",`+acl+`}
{"path":"/box","mode":"container","encoding":"utf8","data":"c",`+acl+`}
{"path":"/t","mode":"ttl","ttl":3600000,"encoding":"base64","data":"AAE=",`+acl+`}
{"path":"/box/in","mode":"persistent","encoding":"utf8","data":"",`+acl+`}
`), 0o600)
			r := on(t, addr, "", "import", "--dry-run", "-f", file, root).must(t)
			want := "create " + root + " persistent\ncreate " + root + "/box container\ncreate " + root + "/t ttl=3600000ms\ncreate " + root + "/box/in persistent\n"
			if r.out != want {
				t.Fatalf("plan:\n%s\nwant:\n%s", r.out, want)
			}
			on(t, addr, "", "stat", root).fails(t, 1, "does not exist")
			on(t, addr, "", "import", "-f", file, root).must(t)
			on(t, addr, "", "diff", file, root).must(t)
			if name != "bundled" {
				return // clients cannot tell the modes apart; the bundled server's clock can
			}
			// The container goes once its last child is gone, the TTL znode once its time is up.
			c := connectTo(t, addr)
			if err := c.Delete(root+"/box/in", -1); err != nil {
				t.Fatal(err)
			}
			srv.FastForward(2 * time.Hour) // c's session expires too: look with a new one
			c = connectTo(t, addr)
			for _, p := range []string{root + "/box", root + "/t"} {
				deadline := time.Now().Add(5 * time.Second)
				for {
					ok, _, err := c.Exists(p)
					if err != nil {
						t.Fatal(err)
					}
					if !ok {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("%s is still there: not created as a container or TTL znode", p)
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
			if ok, _, _ := c.Exists(root); !ok {
				t.Fatalf("%s (persistent) went away", root)
			}
		})
	}
}

func TestImportRefusals(t *testing.T) {
	local := bundledExtended(t)
	for name, addr := range zktest.Targets(t, local) {
		t.Run(name, func(t *testing.T) {
			c := connectTo(t, addr)
			root, dst := "/conflict-"+name, "/conflict-dst-"+name
			exportFixture(t, c, root)
			t.Cleanup(func() { on(t, addr, "", "deleteall", root); on(t, addr, "", "deleteall", dst) })
			file := filepath.Join(t.TempDir(), "tree.jsonl")
			on(t, addr, "", "--auth", "digest:ops:secret", "export", root, "-f", file).must(t)
			on(t, addr, "", "import", "-f", file, dst).must(t)

			// One znode missing, one changed: a plain import names the existing ones and writes nothing.
			if err := c.Delete(dst+"/text", -1); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Set(dst+"/empty", []byte("changed"), -1); err != nil {
				t.Fatal(err)
			}
			r := on(t, addr, "", "import", "-f", file, dst)
			if r.code != 1 || !strings.Contains(r.err, "11 znodes exist already: "+dst+"/acl, ") || !strings.Contains(r.err, "nothing was written") {
				t.Fatalf("conflicting import: exit %d, %q", r.code, r.err)
			}
			if ok, _, _ := c.Exists(dst + "/text"); ok {
				t.Fatal("a conflicting import created a znode")
			}
			// --skip-existing creates the missing one and leaves the changed one.
			on(t, addr, "", "import", "--skip-existing", "-f", file, dst).must(t)
			if data, _, _ := c.Get(dst + "/text"); string(data) != "hello\nworld ü" {
				t.Fatalf("skip-existing: /text %q", data)
			}
			if data, _, _ := c.Get(dst + "/empty"); string(data) != "changed" {
				t.Fatalf("skip-existing changed an existing znode: %q", data)
			}
			// --overwrite sets it back.
			r = on(t, addr, "", "import", "--overwrite", "-f", file, dst).must(t)
			if data, _, _ := c.Get(dst + "/empty"); len(data) != 0 {
				t.Fatalf("overwrite: /empty %q", data)
			}
			on(t, addr, "", "diff", file, dst).must(t)
			on(t, addr, "", "import", "--overwrite", "--skip-existing", "-f", file, dst).fails(t, 2, "exclude each other")
		})
	}
}

func TestDiffExitCodes(t *testing.T) {
	for name, addr := range zktest.Targets(t, bundledExtended(t)) {
		t.Run(name, func(t *testing.T) {
			c := connectTo(t, addr)
			root := serverRoot(t, c, "/TestDiffExitCodes")
			mk := func(p, data string) {
				if _, err := c.Create(root+p, []byte(data), 0, zk.WorldACL(zk.PermAll)); err != nil {
					t.Fatal(err)
				}
			}
			mk("/l", "")
			mk("/r", "")
			mk("/l/same", "1")
			mk("/r/same", "1")
			mk("/l/a", "only left")
			mk("/l/b", "old")
			mk("/r/b", "new")
			mk("/r/c", "only right")
			on(t, addr, "", "diff", root+"/l", root+"/l").must(t)
			r := on(t, addr, "", "diff", root+"/l", root+"/r")
			if r.code != 1 || r.err != "" || r.out != "- /a\n~ /b data\n+ /c\n" {
				t.Fatalf("diff: exit %d, stdout %q, stderr %q", r.code, r.out, r.err)
			}
			r = on(t, addr, "", "-o", "json", "diff", root+"/l", root+"/r")
			if r.code != 1 || !strings.HasPrefix(r.out, `{"equal":false,"changes":[{"kind":"-","path":"/a"}`) {
				t.Fatalf("diff -o json: exit %d, %q", r.code, r.out)
			}
			on(t, addr, "", "diff", root+"/l").fails(t, 2, "")
			on(t, addr, "", "diff", root+"/l", "zk://nohost:x/a").fails(t, 2, "zk://")
			on(t, addr, "", "diff", root+"/l", "missing-file.jsonl").fails(t, 2, "missing-file.jsonl")
			on(t, addr, "", "diff", root+"/l", root+"/nope").fails(t, 2, "node does not exist")
			r = on(t, addr, "", "--connect-timeout", "2s", "diff", root+"/l", "zk://digest:ops:secret@127.0.0.1:1/x")
			if r.code != 3 || strings.Contains(r.err, "secret") {
				t.Fatalf("diff with an unreachable cluster: exit %d, %q (want 3, no credential)", r.code, r.err)
			}
		})
	}
}

func TestApplyDryRunAndPrune(t *testing.T) {
	for name, addr := range zktest.Targets(t, bundledExtended(t)) {
		t.Run(name, func(t *testing.T) {
			c := connectTo(t, addr)
			root := serverRoot(t, c, "/TestApplyDryRunAndPrune")
			exportFixture(t, c, root+"/src")
			file := filepath.Join(t.TempDir(), "want.jsonl")
			on(t, addr, "", "--auth", "digest:ops:secret", "export", root+"/src", "-f", file).must(t)
			on(t, addr, "", "--auth", "digest:ops:secret", "cp", "-R", root+"/src", root+"/dst").must(t)
			if _, err := c.Set(root+"/dst/text", []byte("drifted"), -1); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Create(root+"/dst/extra", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatal(err)
			}
			if err := c.Delete(root+"/dst/queue/job-0000000000", -1); err != nil {
				t.Fatal(err)
			}
			before := on(t, addr, "", "diff", file, root+"/dst")
			if before.code != 1 {
				t.Fatalf("diff before: %+v", before)
			}
			r := on(t, addr, "", "apply", "-f", file, root+"/dst", "--prune", "--dry-run").must(t)
			want := "create " + root + "/dst/queue/job-0000000000 persistent\nupdate " + root + "/dst/text data\ndelete " + root + "/dst/extra\n"
			if r.out != want {
				t.Fatalf("plan:\n%s\nwant:\n%s", r.out, want)
			}
			if after := on(t, addr, "", "diff", file, root+"/dst"); after.out != before.out {
				t.Fatalf("apply --dry-run changed something:\n%s\nthen:\n%s", before.out, after.out)
			}
			// Without --prune the extra znode stays.
			on(t, addr, "", "apply", "-f", file, root+"/dst").must(t)
			if r := on(t, addr, "", "diff", file, root+"/dst"); r.code != 1 || r.out != "+ /extra\n" {
				t.Fatalf("after apply: %+v", r)
			}
			r = on(t, addr, "", "apply", "-f", file, root+"/dst", "--prune").must(t)
			if !strings.HasSuffix(r.out, "0 created, 0 updated, 1 deleted\n") {
				t.Fatalf("apply --prune: %q", r.out)
			}
			on(t, addr, "", "diff", file, root+"/dst").must(t)
		})
	}
}

func TestApplyRefusedStep(t *testing.T) {
	for name, addr := range zktest.Targets(t, bundledExtended(t)) {
		t.Run(name, func(t *testing.T) {
			c := connectTo(t, addr)
			root := serverRoot(t, c, "/TestApplyRefusedStep")
			file := filepath.Join(t.TempDir(), "want.jsonl")
			acl := `"acl":[{"scheme":"world","id":"anyone","perms":"cdrwa"}]`
			os.WriteFile(file, []byte(`{"format":"zksh-export","version":1,"source":"hand","root":"/x","time":"2026-01-01T00:00:00Z"}
			{"path":"/","mode":"persistent","encoding":"utf8","data":"",`+acl+`}
			{"path":"/a","mode":"persistent","encoding":"utf8","data":"",`+acl+`}
			{"path":"/locked","mode":"persistent","encoding":"utf8","data":"",`+acl+`}
			{"path":"/locked/child","mode":"persistent","encoding":"utf8","data":"",`+acl+`}
			`), 0o600)
			if _, err := c.Create(root+"/locked", nil, 0, zk.WorldACL(zk.PermRead)); err != nil {
				t.Fatal(err)
			}
			r := on(t, addr, "", "apply", "-f", file, root)
			if r.code != 1 || !strings.Contains(r.err, "create "+root+"/locked/child: not authorized") || !strings.Contains(r.err, "1 created") {
				t.Fatalf("refused step: exit %d, stderr %q", r.code, r.err)
			}
		})
	}
}

func TestCopyAndMirrorBetweenServers(t *testing.T) {
	local := bundledExtended(t)
	targets := zktest.Targets(t, local)
	src := targets["apache"]
	if src == "" {
		src = bundledExtended(t) // another bundled server
	}
	c := connectTo(t, src)
	root := "/mirror-src"
	on(t, src, "", "deleteall", root)
	exportFixture(t, c, root)
	t.Cleanup(func() { on(t, src, "", "deleteall", root) })
	srcURL, dstURL := "zk://"+src+root, "zk://"+local+"/copy"

	on(t, src, "", "cp", "-R", root, dstURL).fails(t, 1, "the server hid the password digest")
	srcURL = "zk://digest:ops:secret@" + src + root
	r := on(t, src, "", "--auth", "digest:ops:secret", "cp", "-R", root, dstURL).must(t)
	if !strings.Contains(r.out, "13 created") {
		t.Fatalf("cp: %q", r.out)
	}
	on(t, src, "", "diff", root, dstURL).must(t)
	on(t, src, "", "cp", "-R", srcURL, dstURL).fails(t, 1, "exist already")
	on(t, src, "", "cp", root+"/text", "zk://"+local+"/single").must(t)
	d := connectTo(t, local)
	if data, _, err := d.Get("/single"); err != nil || string(data) != "hello\nworld ü" {
		t.Fatalf("cp of one znode: %q %v", data, err)
	}
	if kids, _, _ := d.Children("/single"); len(kids) != 0 {
		t.Fatalf("cp without -R copied children: %v", kids)
	}

	// Drift on the destination; mirror --delete brings it back, from a URL to a URL.
	d.Set("/copy/text", []byte("drift"), -1)
	d.Create("/copy/extra", nil, 0, zk.WorldACL(zk.PermAll))
	d.SetACL("/copy/empty", zk.WorldACL(zk.PermAll&^zk.PermDelete), -1)
	r = on(t, local, "", "mirror", srcURL, dstURL, "--dry-run").must(t)
	if r.out != "update /copy/empty acl\nupdate /copy/text data\n" {
		t.Fatalf("mirror --dry-run: %q", r.out)
	}
	r = on(t, local, "", "mirror", srcURL, dstURL, "--delete").must(t)
	if !strings.Contains(r.out, "delete /copy/extra\n") || !strings.HasSuffix(r.out, "0 created, 2 updated, 1 deleted\n") {
		t.Fatalf("mirror --delete: %q", r.out)
	}
	on(t, local, "", "diff", srcURL, "/copy").must(t)

	// To and from a file.
	file := filepath.Join(t.TempDir(), "m.jsonl")
	on(t, local, "", "cp", "-R", srcURL, file).must(t)
	on(t, local, "", "diff", file, "/copy").must(t)
	on(t, local, "", "cp", "-R", srcURL, file).fails(t, 1, "the file exists already")
	on(t, local, "", "--auth", "digest:ops:secret", "mirror", "/copy", file).must(t) // mirror replaces it
}

// TestMirrorDeleteAsksOnATerminal: mirror --delete and apply --prune deleting more than 1000 znodes
// ask on a terminal (nothing changes when declined), --yes does not ask, nor does a stdin that is
// not a terminal.
func TestMirrorDeleteAsksOnATerminal(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := connectTo(t, addr)
			root := serverRoot(t, c, "/TestMirrorDeleteAsksOnATerminal")
			c.Create(root+"/src", nil, 0, zk.WorldACL(zk.PermAll))
			empty := filepath.Join(t.TempDir(), "empty.jsonl")
			on(t, addr, "", "export", root+"/src", "-f", empty).must(t)
			manyChildren(t, addr, root+"/dst", 1001)
			left := func(want int) {
				t.Helper()
				if kids, _, err := c.Children(root + "/dst"); len(kids) != want || err != nil {
					t.Fatalf("%d children left, %v; want %d", len(kids), err, want)
				}
			}

			r := onTerminal(addr, "n\n", "mirror", root+"/src", root+"/dst", "--delete")
			if r.code != 1 || !strings.Contains(r.err, "delete 1001 znodes under "+root+"/dst? [y/N]") || !strings.Contains(r.err, "nothing was changed") {
				t.Fatalf("mirror declined: exit %d, stderr %q", r.code, r.err)
			}
			left(1001)
			r = onTerminal(addr, "no\n", "apply", "-f", empty, root+"/dst", "--prune")
			if r.code != 1 || !strings.Contains(r.err, "delete 1001 znodes under "+root+"/dst? [y/N]") || !strings.Contains(r.err, "nothing was changed") {
				t.Fatalf("apply --prune declined: exit %d, stderr %q", r.code, r.err)
			}
			left(1001)
			if r := onTerminal(addr, "", "apply", "-f", empty, root+"/dst", "--prune", "--yes"); r.code != 0 || strings.Contains(r.err, "[y/N]") {
				t.Fatalf("apply --prune --yes: exit %d, stderr %q", r.code, r.err)
			}
			left(0)
			// Not a terminal: no question.
			manyChildren(t, addr, root+"/dst", 1001)
			on(t, addr, "", "mirror", root+"/src", root+"/dst", "--delete").must(t)
			left(0)
		})
	}
}

// TestImportLostConnection: a multi whose reply is lost with the connection is an unknown outcome
// (exit 3) that says how far the import got.
func TestImportLostConnection(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			root := "/TestImportLostConnection"
			zkshAt(addr, "deleteall", root)
			t.Cleanup(func() { zkshAt(addr, "deleteall", root) })
			file := filepath.Join(t.TempDir(), "f.jsonl")
			acl := `"acl":[{"scheme":"world","id":"anyone","perms":"cdrwa"}]`
			os.WriteFile(file, []byte(`{"format":"zksh-export","version":1,"source":"hand","root":"/x","time":"2026-01-01T00:00:00Z"}
{"path":"/","mode":"persistent","encoding":"utf8","data":"",`+acl+`}
{"path":"/a","mode":"persistent","encoding":"utf8","data":"",`+acl+`}
{"path":"/b","mode":"persistent","encoding":"utf8","data":"",`+acl+`}
`), 0o600)
			p := newCuttingProxy(t, addr)
			p.arm(true, opcodeMulti)
			r := zkshAt(p.addr(), "import", "-f", file, root)
			if p.cutCount() != 1 {
				t.Fatalf("the proxy did not cut: %+v", r)
			}
			if r.code != ExitUnavailable || !strings.Contains(r.err, "import create "+root+" (a multi request of 1): "+unknownOutcome) ||
				!strings.Contains(r.err, "applied before: 0 created, 0 updated, 0 deleted") {
				t.Fatalf("want exit 3, the unknown outcome and how far it got; got %+v", r)
			}
		})
	}
}

func TestParseLocation(t *testing.T) {
	env := NewEnv(&IOStreams{}, defaultSettings())
	env.Cwd = "/app"
	for _, c := range []struct {
		arg   string
		kind  locationKind
		path  string
		shown string
		auth  string
	}{
		{"cfg", atZnode, "/app/cfg", "/app/cfg", ""},
		{"/x.jsonl", atFile, "/x.jsonl", "/x.jsonl", ""},
		{"file:/backups/app", atFile, "/backups/app", "/backups/app", ""},
		{"-", atFile, "-", "(stdin)", ""},
		{"zk://h1:2181,h2:2181/base/app", atURL, "/base/app", "zk://h1:2181,h2:2181/base/app", ""},
		{"zk://h1:2181", atURL, "/", "zk://h1:2181", ""},
		{"zk://digest:ops:p%40ss%2Fw@h1:2181/app", atURL, "/app", "zk://digest:***@h1:2181/app", "digest:ops:p@ss/w"},
		{"zk+plain://digest:ops:pw@h1:2181/app", atURL, "/app", "zk+plain://digest:***@h1:2181/app", "digest:ops:pw"},
	} {
		l, err := parseLocation(env, "zksh diff", c.arg)
		if err != nil || l.kind != c.kind || l.path != c.path || l.String() != c.shown || l.auth != c.auth {
			t.Errorf("%q: %+v %q, %v", c.arg, l, l.String(), err)
		}
	}
	for _, arg := range []string{"zk://", "zk://h:99999/a", "zk://digest:secretonly@h:1/a", "zk://h:1/a//b", "file:",
		"zk+plain://", "zk+plain://digest:secretonly@h:1/a",
		// A password whose '/' was not percent-encoded: the URL cannot be read, and the message
		// must not show what it could not tell from a path.
		"zk://digest:ops:secret/only@h:1/a", "zk://digest:ops:se%zz/secretonly@h:1/a",
		// A password of digits before its '/': "digest:1234" reads as host:port.
		"zk://digest:1234/secretonly@h:1/a", "zk+plain://sasl:99/secret/only@h:1/a"} {
		_, err := parseLocation(env, "zksh diff", arg)
		if ExitCode(err) != ExitUsage || strings.Contains(fmt.Sprint(err), "secret") || strings.Contains(fmt.Sprint(err), "only") {
			t.Errorf("%q: %v (want a usage error without the credential)", arg, err)
		}
	}
	// A credential that is not percent-encoded right is named by its scheme.
	if _, err := parseLocation(env, "zksh diff", "zk://digest:ops:50%@h:1/a"); !strings.Contains(fmt.Sprint(err), "zk://digest:***@h:1/a") {
		t.Errorf("bad escape: %v, want zk://digest:***@h:1/a", err)
	}
}

// TestTransferJSON: with -o json, export, import, cp, mirror and apply report numbers a script can
// read ({"created":N,...}, {"exported":N,"file":...}), not the sentences of the text output.
func TestTransferJSON(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := connectTo(t, addr)
			root := serverRoot(t, c, "/TestTransferJSON")
			c.Create(root+"/src", []byte("s"), 0, zk.WorldACL(zk.PermAll))
			c.Create(root+"/src/a", []byte("a"), 0, zk.WorldACL(zk.PermAll))
			file := filepath.Join(t.TempDir(), "src.jsonl")
			js := func(want string, args ...string) {
				t.Helper()
				r := on(t, addr, "", append([]string{"-o", "json"}, args...)...).must(t)
				if r.out != want {
					t.Fatalf("%v:\n got %q\nwant %q", args, r.out, want)
				}
			}
			js(`{"exported":2,"file":"`+file+`"}`+"\n", "export", root+"/src", "-f", file)
			js(`{"created":2,"updated":0,"deleted":0}`+"\n", "import", "-f", file, root+"/imp")
			js(`{"created":2,"updated":0,"deleted":0}`+"\n", "cp", "-R", root+"/src", root+"/cp")
			c.Set(root+"/cp/a", []byte("changed"), -1)
			js(`{"steps":[{"op":"update","path":"`+root+`/cp/a","what":["data"]}]}`+"\n"+`{"created":0,"updated":1,"deleted":0}`+"\n",
				"mirror", root+"/src", root+"/cp")
			c.Create(root+"/cp/extra", nil, 0, zk.WorldACL(zk.PermAll))
			js(`{"steps":[{"op":"delete","path":"`+root+`/cp/extra"}]}`+"\n"+`{"created":0,"updated":0,"deleted":1}`+"\n",
				"apply", "-f", file, root+"/cp", "--prune")
			// To an export file, cp and mirror say what export says (they printed nothing).
			copied := filepath.Join(t.TempDir(), "copied.jsonl")
			js(`{"exported":2,"file":"`+copied+`"}`+"\n", "cp", "-R", root+"/src", copied)
			js(`{"exported":2,"file":"`+copied+`"}`+"\n", "mirror", root+"/src", "file:"+copied)
		})
	}
}

// TestCopyOverlap: cp -R and mirror refuse a SRC and DST of the same cluster where one contains the
// other (mirror --delete would delete SRC, a copy into itself never ends), as cp(1) does; a cp
// conflict names the existing znode without import's flags.
func TestCopyOverlap(t *testing.T) {
	for name, addr := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			c := connectTo(t, addr)
			root := serverRoot(t, c, "/TestCopyOverlap")
			for _, p := range []string{"/a", "/a/b", "/a/b/x", "/a/y"} {
				c.Create(root+p, []byte(p), 0, zk.WorldACL(zk.PermAll))
			}
			on(t, addr, "", "mirror", root+"/a/b", root+"/a", "--delete").fails(t, 2, "mirror: "+root+"/a contains "+root+"/a/b")
			on(t, addr, "", "mirror", root+"/a", root+"/a/b/m").fails(t, 2, "mirror: "+root+"/a contains "+root+"/a/b/m")
			on(t, addr, "", "cp", "-R", root+"/a", root+"/a/c").fails(t, 2, "cp: "+root+"/a contains "+root+"/a/c")
			if ok, _, _ := c.Exists(root + "/a/b"); !ok {
				t.Fatal("mirror deleted its source")
			}
			if kids, _, _ := c.Children(root + "/a"); len(kids) != 2 {
				t.Fatalf("refused copies changed %s: %v", root+"/a", kids)
			}
			// Relative paths in the shell, the same rule.
			streams, _, errOut := fakeIO("", false)
			code := Main([]string{"--server", addr}, streams, func(env *Env) error {
				if err := ExecuteLine(t.Context(), env, []string{"cd", root + "/a"}); err != nil {
					return err
				}
				return ExecuteLine(t.Context(), env, []string{"mirror", "b", ".", "--delete"})
			})
			if code != 2 || !strings.Contains(errOut.String(), root+"/a contains "+root+"/a/b") {
				t.Fatalf("mirror in the shell: exit %d, %q", code, errOut)
			}
			// Not recursive, or side by side: allowed.
			on(t, addr, "", "cp", root+"/a", root+"/a/one").must(t)
			on(t, addr, "", "cp", "-R", root+"/a/b", root+"/ab").must(t)
			on(t, addr, "", "cp", "-R", root+"/a/b", root+"/a/bb").must(t)
			r := on(t, addr, "", "cp", "-R", root+"/a/b", root+"/ab")
			if r.code != 1 || !strings.Contains(r.err, "2 znodes exist already: "+root+"/ab, "+root+"/ab/x; nothing was written\n") {
				t.Fatalf("cp onto a copy: exit %d, %q", r.code, r.err)
			}
			r = on(t, addr, "", "cp", root+"/a/b", root+"/ab")
			if r.code != 1 || !strings.Contains(r.err, "1 znode exists already: "+root+"/ab; nothing was written\n") {
				t.Fatalf("cp onto a znode: exit %d, %q", r.code, r.err)
			}
		})
	}
}

// TestImportUnderMissingParent: a destination whose parent does not exist cannot be created, so
// import refuses before writing — and --dry-run says the same instead of printing a plan that would
// fail (README's `import -f app.jsonl /restore/app --dry-run`, with no /restore yet).
func TestImportUnderMissingParent(t *testing.T) {
	local := bundledExtended(t)
	for name, addr := range zktest.Targets(t, local) {
		t.Run(name, func(t *testing.T) {
			c := connectTo(t, addr)
			root, missing := "/noparent-src-"+name, "/noparent-"+name
			t.Cleanup(func() { on(t, addr, "", "deleteall", root) })
			if _, err := c.Create(root, []byte("x"), 0, zk.WorldACL(zk.PermAll)); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "tree.jsonl")
			on(t, addr, "", "export", root, "-f", file).must(t)
			dest := missing + "/app"
			for _, dry := range []bool{true, false} {
				args := []string{"import", "-f", file, dest}
				if dry {
					args = append(args, "--dry-run")
				}
				r := on(t, addr, "", args...)
				r.fails(t, 1, "import "+dest+": its parent "+missing+" does not exist")
				if r.out != "" {
					t.Fatalf("dry-run %v printed %q", dry, r.out)
				}
			}
			if ok, _, _ := c.Exists(missing); ok {
				t.Fatal("the missing parent was created")
			}
		})
	}
}

// TestExportKeepsNullData: a znode created without data holds null, which ZooKeeper keeps apart
// from empty data (zkCli's get prints "null" for one, an empty line for the other). Export writes
// it as "data":null, import creates it so, and diff tells the two apart; on Apache and the bundled
// server.
func TestExportKeepsNullData(t *testing.T) {
	for name, addr := range zktest.Targets(t, bundled(t)) {
		t.Run(name, func(t *testing.T) {
			root, copyRoot := "/nulldata-"+name, "/nulldata-copy-"+name
			t.Cleanup(func() { on(t, addr, "", "deleteall", root); on(t, addr, "", "deleteall", copyRoot) })
			on(t, addr, "", "create", root).must(t)
			on(t, addr, "", "create", root+"/null").must(t)
			on(t, addr, "", "create", root+"/empty", "").must(t)
			if r := on(t, addr, "", "get", root+"/null").must(t); r.out != "null\n" {
				t.Fatalf("get of a znode created without data: %q, want null", r.out)
			}
			file := filepath.Join(t.TempDir(), "tree.jsonl")
			on(t, addr, "", "export", root, "-f", file).must(t)
			text, _ := os.ReadFile(file)
			if !strings.Contains(string(text), `"data":null`) || strings.Count(string(text), `"data":null`) != 2 {
				t.Fatalf("export, want the root and /null with \"data\":null:\n%s", text)
			}
			on(t, addr, "", "import", "-f", file, copyRoot).must(t)
			for p, want := range map[string]string{"/null": "null\n", "/empty": "\n", "": "null\n"} {
				if r := on(t, addr, "", "get", copyRoot+p).must(t); r.out != want {
					t.Errorf("imported %s: get %q, want %q", p, r.out, want)
				}
			}
			on(t, addr, "", "diff", root, copyRoot).must(t)
			on(t, addr, "", "set", copyRoot+"/null", "").must(t)
			if r := on(t, addr, "", "diff", root, copyRoot); r.code != 1 || r.out != "~ /null data\n" {
				t.Fatalf("diff of null and empty data: exit %d, %q", r.code, r.out)
			}
		})
	}
}

// TestURLCredentialNotEchoed: a zk:// URL given to a command that takes a znode path only (get,
// ls, ...) is a malformed path, refused as usage; the message must not show the URL's credential
// (README: a URL's credential is never repeated in messages).
func TestURLCredentialNotEchoed(t *testing.T) {
	for _, args := range [][]string{
		{"get", "zk://digest:ops:secret@127.0.0.1:1/a"},
		{"ls", "-R", "zk://digest:ops:secret@127.0.0.1:1/a"},
		{"stat", "zk+plain://digest:ops:secret@127.0.0.1:1/a"},
		{"delete", "zk://digest:ops:sec/ret@127.0.0.1:1/a"},
		{"zk://digest:ops:secret@127.0.0.1:1/a"}, // an unknown command
		// --server takes a connect string, which holds no credential.
		{"-s", "zk://digest:ops:secret@127.0.0.1:1", "ls", "/"},
		{"-s", "digest:ops:secret@127.0.0.1:1", "ls", "/"},
		{"-s", "digest:ops:sec/ret@127.0.0.1:1", "ls", "/"},
		{"-s", "ops:secret@127.0.0.1:1", "ls", "/"},
	} {
		r := zksh(t, args...)
		r.fails(t, ExitUsage, "***@127.0.0.1:1")
		if strings.Contains(r.err, "secret") || strings.Contains(r.err, "ret@") || strings.Contains(r.out, "secret") {
			t.Errorf("%v: the credential shown: %q", args, r.err)
		}
	}
}

// TestImportUnderMissingChroot: under a chroot that does not exist, the destination / is the
// chroot itself. Import creates it when the znode above it exists (valid, as zkCli's create / does),
// and refuses before writing, --dry-run too, when that one is missing as well (the plan could only
// fail); on Apache and the bundled server.
func TestImportUnderMissingChroot(t *testing.T) {
	for name, addr := range zktest.Targets(t, bundled(t)) {
		t.Run(name, func(t *testing.T) {
			root, missing, made := "/chroot-src-"+name, "/chroot-none-"+name, "/chroot-made-"+name
			t.Cleanup(func() { on(t, addr, "", "deleteall", root); on(t, addr, "", "deleteall", made) })
			on(t, addr, "", "create", root, "x").must(t)
			file := filepath.Join(t.TempDir(), "tree.jsonl")
			on(t, addr, "", "export", root, "-f", file).must(t)
			for _, dry := range []bool{true, false} {
				args := []string{"import", "-f", file, "/"}
				if dry {
					args = append(args, "--dry-run")
				}
				r := on(t, addr+missing+"/deeper", "", args...)
				r.fails(t, 1, "import /: the chroot "+missing+"/deeper does not exist, nor its parent "+missing+" (create it first)")
				if r.out != "" {
					t.Fatalf("dry-run %v printed %q", dry, r.out)
				}
			}
			if r := on(t, addr, "", "stat", missing); r.code != 1 {
				t.Fatalf("%s: stat exit %d, want 1 (it must not exist)", missing, r.code)
			}
			on(t, addr+made, "", "import", "-f", file, "/").must(t)
			if r := on(t, addr, "", "get", made).must(t); r.out != "x\n" {
				t.Fatalf("the chroot imported: get %q, want x", r.out)
			}
		})
	}
}

// TestVersion1ExportsKeepNullData: a version 1 file wrote null data as "", like empty data. Read
// now, such a "" matches a live znode whose data is null as well as one whose data is empty, so
// diff finds no difference and apply changes neither; a version 2 file's "" is empty data only.
func TestVersion1ExportsKeepNullData(t *testing.T) {
	for name, addr := range zktest.Targets(t, bundled(t)) {
		t.Run(name, func(t *testing.T) {
			root := "/v1null-" + name
			t.Cleanup(func() { on(t, addr, "", "deleteall", root) })
			on(t, addr, "", "create", root).must(t)
			on(t, addr, "", "create", root+"/null").must(t)
			on(t, addr, "", "create", root+"/empty", "").must(t)
			acl := `"acl":[{"scheme":"world","id":"anyone","perms":"cdrwa"}]`
			body := `{"path":"/","mode":"persistent","encoding":"utf8","data":"",` + acl + `}
{"path":"/null","mode":"persistent","encoding":"utf8","data":"",` + acl + `}
{"path":"/empty","mode":"persistent","encoding":"utf8","data":"",` + acl + `}
`
			dir := t.TempDir()
			v1, v2 := filepath.Join(dir, "v1.jsonl"), filepath.Join(dir, "v2.jsonl")
			os.WriteFile(v1, []byte(`{"format":"zksh-export","version":1,"source":"old","root":"/x","time":"2026-01-01T00:00:00Z"}`+"\n"+body), 0o600)
			os.WriteFile(v2, []byte(`{"format":"zksh-export","version":2,"source":"new","root":"/x","time":"2026-01-01T00:00:00Z"}`+"\n"+body), 0o600)
			on(t, addr, "", "diff", v1, root).must(t)
			if r := on(t, addr, "", "apply", "-f", v1, root).must(t); !strings.Contains(r.out, "0 created, 0 updated, 0 deleted") {
				t.Fatalf("apply of a version 1 file: %q, want no change", r.out)
			}
			if r := on(t, addr, "", "get", root+"/null").must(t); r.out != "null\n" {
				t.Fatalf("after apply of a version 1 file, /null reads %q", r.out)
			}
			if r := on(t, addr, "", "diff", v2, root); r.code != 1 || r.out != "~ / data\n~ /null data\n" {
				t.Fatalf("diff of a version 2 file's empty data with null: exit %d, %q", r.code, r.out)
			}
		})
	}
}
