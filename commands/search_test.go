package commands

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/render"
)

// searchTree is the subtree the search and inspection tests look at, on one server.
type searchTree struct {
	server string
	t      string // a readable subtree
	s      string // a subtree with a znode that may be neither read nor listed
	lock   string // the sequential znode's path
}

// searchTargets builds the test trees on Apache ZooKeeper and the bundled server and calls fn on
// each. The ephemeral znode lives as long as the test's session.
func searchTargets(t *testing.T, fn func(tr searchTree)) {
	root := testRoot(t)
	local := bundled(t)
	lc := dial(t, local)
	mustCreate(t, lc, root, nil)
	for _, server := range zktest.Targets(t, local) {
		c := client(t)
		if server == local {
			c = lc
		}
		T, S := root+"/t", root+"/s"
		acl := zk.WorldACL(zk.PermAll)
		mustCreate(t, c, T, nil)
		mustCreate(t, c, T+"/app", []byte("hello\nworld timeout=5\n"))
		mustCreate(t, c, T+"/app/b", []byte("Timeout=10"))
		mustCreate(t, c, T+"/app/x", nil)
		mustCreate(t, c, T+"/app/x/y", []byte("deep"))
		mustCreate(t, c, T+"/bin", []byte("\xff\x00timeout"))
		if _, err := c.CreateContainer(T+"/cont", nil, zk.FlagContainer, acl); err != nil {
			t.Fatal(err)
		}
		mustCreate(t, c, T+"/cont/c1", nil) // keeps the container from being removed
		if _, err := c.Create(T+"/eph", []byte("e"), zk.FlagEphemeral, acl); err != nil {
			t.Fatal(err)
		}
		lock, err := c.Create(T+"/lock-", []byte("x"), zk.FlagSequence, acl)
		if err != nil {
			t.Fatal(err)
		}
		mustCreate(t, c, S, nil)
		mustCreate(t, c, S+"/secret", []byte("timeout secret"))
		mustCreate(t, c, S+"/secret/s1", []byte("timeout"))
		if _, err := c.SetACL(S+"/secret", zk.WorldACL(zk.PermAll&^zk.PermRead), -1); err != nil {
			t.Fatal(err)
		}
		fn(searchTree{server: server, t: T, s: S, lock: lock})
		if _, err := c.SetACL(S+"/secret", acl, -1); err != nil {
			t.Fatal(err)
		}
	}
}

// run runs one-shot zksh against the tree's server.
func (tr searchTree) run(args ...string) result {
	streams, out, errOut := fakeIO("", false)
	code := Main(append([]string{"--server", tr.server}, args...), streams, nil)
	return result{out.String(), errOut.String(), code}
}

// lines joins paths as one-per-line output.
func lines(paths ...string) string {
	if len(paths) == 0 {
		return ""
	}
	return strings.Join(paths, "\n") + "\n"
}

// TestFind: find's tests, alone and together, its order, -print0, -o json and relative paths in the
// shell; bad options (exit 2), a missing path (exit 1), and a znode whose children may not be listed
// (named, the rest printed, exit 1). On Apache ZooKeeper and the bundled server.
func TestFind(t *testing.T) {
	searchTargets(t, func(tr searchTree) {
		T, S, lock := tr.t, tr.s, tr.lock
		all := []string{T, T + "/app", T + "/app/b", T + "/app/x", T + "/app/x/y", T + "/bin", T + "/cont", T + "/cont/c1", T + "/eph", lock}
		cases := []struct {
			args []string
			want []string
		}{
			{[]string{T}, all},
			{[]string{T, "-name", "b*"}, []string{T + "/app/b", T + "/bin"}},
			{[]string{T, "--name", "b*"}, []string{T + "/app/b", T + "/bin"}},
			{[]string{"-name", "[xy]", T}, []string{T + "/app/x", T + "/app/x/y"}},
			{[]string{T, "-path", "*/x*"}, []string{T + "/app/x", T + "/app/x/y"}},
			{[]string{T, "-regex", ".*/(b|y)"}, []string{T + "/app/b", T + "/app/x/y"}},
			{[]string{T, "-type", "e"}, []string{T + "/eph"}},
			{[]string{T, "-type", "s"}, []string{lock}},
			{[]string{T, "-type", "e,s"}, []string{T + "/eph", lock}},
			// ZooKeeper shows containers (and TTL znodes) as persistent: ephemeralOwner 0.
			{[]string{T, "-type", "p", "-name", "c*"}, []string{T + "/cont", T + "/cont/c1"}},
			{[]string{T, "-type", "c"}, nil},
			{[]string{T, "-mindepth", "2", "-maxdepth", "2"}, []string{T + "/app/b", T + "/app/x", T + "/cont/c1"}},
			{[]string{T, "-maxdepth", "0"}, []string{T}},
			{[]string{T, "-size", "+5"}, []string{T + "/app", T + "/app/b", T + "/bin"}},
			{[]string{T, "-size", "-1"}, []string{T, T + "/app/x", T + "/cont", T + "/cont/c1"}},
			{[]string{T, "-size", "4c"}, []string{T + "/app/x/y"}},
			{[]string{T, "-empty"}, []string{T + "/cont/c1"}},
			{[]string{T, "-mmin", "-60"}, all},
			{[]string{T, "-mmin", "+60"}, nil},
			{[]string{T, "-name", "-empty"}, nil}, // a value, not an option
		}
		for _, c := range cases {
			r := tr.run(append([]string{"find"}, c.args...)...)
			if r.code != 0 || r.err != "" || r.out != lines(c.want...) {
				t.Errorf("%s: find %q: exit %d, stderr %q, stdout:\n%s\nwant:\n%s", tr.server, c.args, r.code, r.err, r.out, lines(c.want...))
			}
		}
		if r := tr.run("find", T, "-name", "b*", "-print0"); r.out != T+"/app/b\x00"+T+"/bin\x00" {
			t.Errorf("%s: -print0: %q", tr.server, r.out)
		}
		if r := tr.run("-o", "json", "find", T, "-name", "b"); r.out != `{"path":"`+T+`","matches":["`+T+`/app/b"]}`+"\n" {
			t.Errorf("%s: -o json: %q", tr.server, r.out)
		}
		if r := tr.run("find", T, "-name", "nothing", "-o", "json"); r.out != `{"path":"`+T+`","matches":[]}`+"\n" || r.code != 0 {
			t.Errorf("%s: -o json after the options, no match: exit %d, %q", tr.server, r.code, r.out)
		}

		// In the shell, relative to the current znode.
		streams, out, errOut := fakeIO("", false)
		env := NewEnv(streams, Settings{Server: tr.server})
		env.Cwd = T + "/app"
		err := ExecuteLine(context.Background(), env, []string{"find", ".", "-name", "y"})
		if err != nil || out.String() != T+"/app/x/y\n" {
			t.Errorf("%s: shell find . -name y: %v, %q %q", tr.server, err, out, errOut)
		}
		out.Reset()
		if err := ExecuteLine(context.Background(), env, []string{"find", "-maxdepth", "0"}); err != nil || out.String() != T+"/app\n" {
			t.Errorf("%s: shell find -maxdepth 0: %v, %q", tr.server, err, out)
		}
		env.Close()

		tr.run("find", T, "-bogus").fails(t, 2, "zksh: find: unknown option -bogus (find takes -name")
		tr.run("find", T, "--bogus").fails(t, 2, "unknown flag: --bogus")
		tr.run("find", T, "-name").fails(t, 2, "flag needs an argument: -name\n") // as typed, not pflag's --name
		tr.run("find", T, "-mindepth", "x").fails(t, 2, `find: invalid -mindepth "x": not a number`)
		tr.run("find", T, "-maxdepth=-").fails(t, 2, `find: invalid -maxdepth "-": not a number`)
		tr.run("find", T, "-type", "x").fails(t, 2, `find: invalid -type "x"`)
		tr.run("find", T, "-regex", "(").fails(t, 2, `find: invalid -regex "("`)
		tr.run("find", T, "-name", "[a").fails(t, 2, `find: invalid -name "[a"`)
		tr.run("find", T, "-size", "big").fails(t, 2, `find: invalid -size "big"`)
		tr.run("find", T, "-maxdepth", "-1").fails(t, 2, "want 0 or more")
		tr.run("find", T, T).fails(t, 2, "find: wants 0 to 1 argument(s)")
		tr.run("find", T+"/nope").fails(t, 1, "find "+T+"/nope: node does not exist")

		r := tr.run("find", S)
		wantErr := "zksh: find " + S + "/secret: not authorized to list its children\n" +
			"zksh: find " + S + ": 1 znode could not be read (named above); the results leave them out\n"
		if r.code != 1 || r.out != lines(S, S+"/secret") || r.err != wantErr {
			t.Errorf("%s: find of a tree with a znode not listed: exit %d, stdout %q, stderr:\n%s\nwant:\n%s", tr.server, r.code, r.out, r.err, wantErr)
		}
	})
}

// TestGrep: grep's matching (basic and extended patterns, -i, -v), its outputs (-l, -c, -o json),
// binary data skipped unless -a, the exit status (0 matched, 1 not, quietly), relative paths in
// the shell; bad options (exit 2), a missing path (exit 1), and znodes that may not be read (named,
// the rest searched, exit 1). On Apache ZooKeeper and the bundled server.
func TestGrep(t *testing.T) {
	searchTargets(t, func(tr searchTree) {
		T, S := tr.t, tr.s
		cases := []struct {
			args []string
			want string
		}{
			{[]string{"timeout", T}, T + "/app: world timeout=5\n"},
			{[]string{"-i", "timeout", T}, T + "/app: world timeout=5\n" + T + "/app/b: Timeout=10\n"},
			{[]string{"-a", "timeout", T}, T + "/app: world timeout=5\n" + T + "/bin: \xff\x00timeout\n"},
			{[]string{"-c", "-i", "o", T}, T + "/app: 2\n" + T + "/app/b: 1\n"},
			{[]string{"-l", "-i", "timeout", T}, lines(T+"/app", T+"/app/b")},
			{[]string{"-v", "-E", "^(hello|deep|x|e)$", T}, T + "/app: world timeout=5\n" + T + "/app/b: Timeout=10\n"},
			{[]string{`timeout=\(5\|7\)`, T}, T + "/app: world timeout=5\n"}, // basic: \( \| are operators
			{[]string{"-E", "timeout=(5|7)", T}, T + "/app: world timeout=5\n"},
			{[]string{"e.p$", T}, T + "/app/x/y: deep\n"},
		}
		for _, c := range cases {
			r := tr.run(append([]string{"grep"}, c.args...)...)
			if r.code != 0 || r.err != "" || r.out != c.want {
				t.Errorf("%s: grep %q: exit %d, stderr %q, stdout %q, want %q", tr.server, c.args, r.code, r.err, r.out, c.want)
			}
		}
		// Nothing matched: exit 1, nothing on stderr (grep(1)); in a basic pattern + is itself.
		for _, args := range [][]string{{"grep", "o+", T}, {"grep", "nothing", T}, {"-o", "json", "grep", "nothing", T}} {
			r := tr.run(args...)
			want := ""
			if args[0] == "-o" {
				want = `{"path":"` + T + `","matches":[]}` + "\n"
			}
			if r.code != 1 || r.err != "" || r.out != want {
				t.Errorf("%s: %q: exit %d, stderr %q, stdout %q; want exit 1, stdout %q", tr.server, args, r.code, r.err, r.out, want)
			}
		}
		r := tr.run("-o", "json", "grep", "-i", "timeout=1", T)
		if want := `{"path":"` + T + `","matches":[{"path":"` + T + `/app/b","lines":["Timeout=10"],"count":1}]}` + "\n"; r.out != want || r.code != 0 {
			t.Errorf("%s: grep -o json: exit %d, %q, want %q", tr.server, r.code, r.out, want)
		}

		streams, out, _ := fakeIO("", false)
		env := NewEnv(streams, Settings{Server: tr.server})
		env.Cwd = T
		if err := ExecuteLine(context.Background(), env, []string{"grep", "deep", "app/x"}); err != nil || out.String() != T+"/app/x/y: deep\n" {
			t.Errorf("%s: shell grep deep app/x: %v, %q", tr.server, err, out)
		}
		env.Close()

		tr.run("grep").fails(t, 2, "grep: wants 1 to 2 argument(s)")
		tr.run("grep", "-l", "-c", "x", T).fails(t, 2, "-l and -c cannot be combined")
		tr.run("grep", "-E", "(", T).fails(t, 2, `grep: invalid pattern "("`)
		tr.run("grep", "--bogus", "x", T).fails(t, 2, "unknown flag")
		tr.run("grep", "x", T+"/nope").fails(t, 1, "grep "+T+"/nope: node does not exist")

		r = tr.run("grep", "timeout", S)
		wantErr := "zksh: grep " + S + "/secret: not authorized to list its children\n" +
			"zksh: grep " + S + "/secret: not authorized to read its data\n" +
			"zksh: grep " + S + ": 2 znodes could not be read (named above); the results leave them out\n"
		if r.code != 1 || r.out != "" || r.err != wantErr {
			t.Errorf("%s: grep of a tree with a znode not read: exit %d, stdout %q, stderr:\n%s\nwant:\n%s", tr.server, r.code, r.out, r.err, wantErr)
		}
	})
}

// TestTreeAndDu: tree's drawing (-L, -s, -o json) and du's subtrees (largest first, -s, -h, -o
// json); bad options, a missing path, a znode not listed. On Apache ZooKeeper and the bundled server.
func TestTreeAndDu(t *testing.T) {
	searchTargets(t, func(tr searchTree) {
		T, S := tr.t, tr.s
		lockName := tr.lock[strings.LastIndexByte(tr.lock, '/')+1:]
		want := T + "\n" +
			"├── app\n" +
			"│   ├── b\n" +
			"│   └── x\n" +
			"│       └── y\n" +
			"├── bin\n" +
			"├── cont\n" +
			"│   └── c1\n" +
			"├── eph\n" +
			"└── " + lockName + "\n" +
			"\n10 znodes\n"
		if r := tr.run("tree", T); r.code != 0 || r.out != want {
			t.Errorf("%s: tree: exit %d, stderr %q, stdout:\n%s\nwant:\n%s", tr.server, r.code, r.err, r.out, want)
		}
		want = T + " (5 children, 0 bytes)\n" +
			"├── app (2 children, 22 bytes)\n" +
			"├── bin (0 children, 9 bytes)\n" +
			"├── cont (1 child, 0 bytes)\n" +
			"├── eph (0 children, 1 byte)\n" +
			"└── " + lockName + " (0 children, 1 byte)\n" +
			"\n6 znodes\n"
		if r := tr.run("tree", "-L", "1", "-s", T); r.code != 0 || r.out != want {
			t.Errorf("%s: tree -L 1 -s: exit %d, stderr %q, stdout:\n%s\nwant:\n%s", tr.server, r.code, r.err, r.out, want)
		}
		r := tr.run("-o", "json", "tree", "-L", "1", T+"/app")
		if want := `{"path":"` + T + `/app","numChildren":2,"dataLength":22,"children":[` +
			`{"path":"` + T + `/app/b","numChildren":0,"dataLength":10,"children":[]},` +
			`{"path":"` + T + `/app/x","numChildren":1,"dataLength":0,"children":[]}]}` + "\n"; r.out != want {
			t.Errorf("%s: tree -o json: %q, want %q", tr.server, r.out, want)
		}
		tr.run("tree", "-L", "0", T).fails(t, 2, "tree: invalid -L 0")
		tr.run("tree", T+"/nope").fails(t, 1, "tree "+T+"/nope: node does not exist")
		r = tr.run("tree", S)
		if want := S + "\n└── secret [children not listed: not authorized]\n\n2 znodes\n"; r.code != 1 || r.out != want ||
			!strings.Contains(r.err, "zksh: tree "+S+"/secret: not authorized to list its children\n") {
			t.Errorf("%s: tree of a znode not listed: exit %d, stdout %q, stderr %q", tr.server, r.code, r.out, r.err)
		}

		want = "47\t10\t" + T + "\n36\t4\t" + T + "/app\n4\t2\t" + T + "/app/x\n0\t2\t" + T + "/cont\n"
		if r := tr.run("du", T); r.code != 0 || r.out != want {
			t.Errorf("%s: du: exit %d, stderr %q, stdout:\n%s\nwant:\n%s", tr.server, r.code, r.err, r.out, want)
		}
		if r := tr.run("du", "-s", "-h", T); r.code != 0 || r.out != "47\t10\t"+T+"\n" {
			t.Errorf("%s: du -s -h: exit %d, stderr %q, stdout %q", tr.server, r.code, r.err, r.out)
		}
		if r := tr.run("-o", "json", "du", "-s", T+"/app"); r.out != `{"path":"`+T+`/app","subtrees":[{"path":"`+T+`/app","bytes":36,"nodes":4}]}`+"\n" {
			t.Errorf("%s: du -o json: %q", tr.server, r.out)
		}
		if r := tr.run("du", "--help"); r.code != 0 || !strings.Contains(r.out, "-h, --human-readable") {
			t.Errorf("%s: du --help: exit %d, %q", tr.server, r.code, r.out)
		}
		if r := tr.run("-o", "table", "du", "-s", T); r.out != "BYTES  ZNODES  PATH\n47     10      "+T+"\n" {
			t.Errorf("%s: du -o table: %q", tr.server, r.out)
		}

		// In the shell, relative to the current znode.
		streams, out, _ := fakeIO("", false)
		env := NewEnv(streams, Settings{Server: tr.server})
		env.Cwd = T + "/app/x"
		if err := ExecuteLine(context.Background(), env, []string{"du", "-s", ".."}); err != nil || out.String() != "36\t4\t"+T+"/app\n" {
			t.Errorf("%s: shell du -s ..: %v, %q", tr.server, err, out)
		}
		out.Reset()
		if err := ExecuteLine(context.Background(), env, []string{"tree"}); err != nil || out.String() != T+"/app/x\n└── y\n\n2 znodes\n" {
			t.Errorf("%s: shell tree: %v, %q", tr.server, err, out)
		}
		env.Close()

		tr.run("du", "-x", T).fails(t, 2, "unknown shorthand flag")
		tr.run("tree", "--bogus", T).fails(t, 2, "unknown flag: --bogus")
		tr.run("du", T+"/nope").fails(t, 1, "du "+T+"/nope: node does not exist")
		r = tr.run("du", S)
		if want := "14\t2\t" + S + "\n14\t1\t" + S + "/secret\n"; r.code != 1 || r.out != want ||
			!strings.Contains(r.err, "zksh: du "+S+"/secret: not authorized to list its children\n") {
			t.Errorf("%s: du of a znode not listed: exit %d, stdout %q, stderr %q", tr.server, r.code, r.out, r.err)
		}
	})
}

// TestFindInterrupted stops find the way Ctrl-C does, at its first progress report: it stops early,
// prints nothing, says how far it got, and exits 130.
func TestFindInterrupted(t *testing.T) {
	root := testRoot(t)
	c := client(t)
	paths := []string{root + "/t"}
	for i := 0; i < 300; i++ {
		paths = append(paths, fmt.Sprintf("%s/t/%03d", root, i))
	}
	mustCreateAll(t, c, paths...)
	for _, op := range []string{"find", "grep"} {
		ctx, cancel := context.WithCancel(context.Background())
		streams, out, _ := fakeIO("", false)
		errOut := &cancelOn{word: "read", cancel: cancel}
		streams.ErrOut, streams.ErrTTY = errOut, true
		s, _ := DefaultSettings(func(string) string { return "" })
		s.Server = zktest.Server(t)
		env := NewEnv(streams, s)
		cmd := NewRootCmd(env)
		args := []string{op, root + "/t"}
		if op == "grep" {
			args = []string{op, "x", root + "/t"}
		}
		cmd.SetArgs(args)
		err := cmd.ExecuteContext(ctx)
		cancel()
		env.Close()
		if ExitCode(err) != ExitInterrupted || out.Len() != 0 {
			t.Fatalf("%s: err %v (exit %d), stdout %q, stderr %q", op, err, ExitCode(err), out, errOut.String())
		}
		m := regexp.MustCompile(`^` + op + ` ` + root + `/t: interrupted after reading (\d+) znodes?$`).FindStringSubmatch(err.Error())
		if m == nil {
			t.Fatalf("%s: message %q", op, err)
		}
		if n, _ := strconv.Atoi(m[1]); n == 0 || n >= 301 {
			t.Fatalf("%s: reported %d read", op, n)
		}
		if !strings.HasSuffix(errOut.String(), "\r\033[K") {
			t.Fatalf("%s: progress line not cleared: %q", op, errOut.String())
		}
	}
}

// TestFindArgs: find(1)'s single-dash options become cobra's double-dash ones after the find
// command word only; values, other commands and what follows -- are left alone.
func TestFindArgs(t *testing.T) {
	cases := []struct{ in, want []string }{
		{[]string{"find", "/", "-name", "-empty", "-empty"}, []string{"find", "/", "--name", "-empty", "--empty"}},
		{[]string{"--server", "h:1", "-o", "json", "find", "-type=e", "-maxdepth", "-1"}, []string{"--server", "h:1", "-o", "json", "find", "--type=e", "--maxdepth", "-1"}},
		{[]string{"find", "-o", "json", "-print0", "--", "-name"}, []string{"find", "-o", "json", "--print0", "--", "-name"}},
		{[]string{"find", "--name", "-size", "-size", "+1"}, []string{"find", "--name", "-size", "--size", "+1"}},
		{[]string{"ls", "-name"}, []string{"ls", "-name"}},
		{[]string{"get", "find", "-name"}, []string{"get", "find", "-name"}},
	}
	for _, c := range cases {
		if got := findArgs(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("findArgs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// Main rewrites them (zkCli's -server too), and so does a shell line.
	if got, _ := rewriteArgs([]string{"-server", "h:1", "find", "-name", "x"}); !reflect.DeepEqual(got, []string{"--server=h:1", "find", "--name", "x"}) {
		t.Errorf("rewriteArgs: %q", got)
	}
}

// TestHumanBytes: du -h's sizes.
func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 1023: "1023", 1024: "1.0K", 1536: "1.5K", 20 << 20: "20M", 3 << 30: "3.0G"} {
		if got := render.HumanBytes(n); got != want {
			t.Errorf("HumanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestFindPatterns: globs as find(1) matches them (fnmatch without FNM_PATHNAME), grep's basic
// regular expressions, and the kinds Apache's EphemeralType encodes in ephemeralOwner.
func TestFindPatterns(t *testing.T) {
	globs := []struct {
		glob, s string
		want    bool
	}{
		{"lock-*", "lock-0000000001", true},
		{"*/x", "/a/b/x", true}, // * matches /
		{"?", "ab", false},
		{"[!a]*", "bc", true},
		{"[!a]*", "ac", false},
		{"[]x]", "]", true},
		{`\*`, "*", true},
		{`\*`, "a", false},
		{"a.b", "axb", false},
		{"(a)", "(a)", true},
	}
	for _, g := range globs {
		re, err := globRegexp(g.glob)
		if err != nil || re.MatchString(g.s) != g.want {
			t.Errorf("glob %q on %q: %v (%v), want %v", g.glob, g.s, re != nil && re.MatchString(g.s), err, g.want)
		}
	}
	bres := []struct {
		bre, s string
		want   bool
	}{
		{`a\{2\}`, "aa", true},
		{`a{2}`, "a{2}", true},
		{`a{2}`, "aa", false},
		{`*a`, "*a", true},
		{`^*a`, "*a", true},
		{`[(]x`, "(x", true},
		{`\(ab\)*c`, "ababc", true},
		{`a\|b`, "b", true},
		{`a|b`, "a|b", true},
		{`a\.b`, "axb", false},
	}
	for _, b := range bres {
		re, err := regexp.Compile(basicRegexp(b.bre))
		if err != nil || re.MatchString(b.s) != b.want {
			t.Errorf("basic %q (as %q) on %q: %v, want %v", b.bre, basicRegexp(b.bre), b.s, err, b.want)
		}
	}
	kinds := map[int64]byte{
		0:                          'p',
		0x1000002a5e40005:          'e',
		-0x8000000000000000:        'c',
		-0x100000000000000 | 60000: 't', // 0xFF000000 0000EA60: TTL 60s
		-0x100000000000000 | 1<<40: 'e', // another extended feature: not a TTL
	}
	for owner, want := range kinds {
		if got := znodeKind(owner); got != want {
			t.Errorf("znodeKind(%#x) = %c, want %c", uint64(owner), got, want)
		}
	}
	if !sequentialName("lock-0000000042") || sequentialName("lock-000000042") || sequentialName("2024") {
		t.Error("sequentialName")
	}
}
