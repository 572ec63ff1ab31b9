package commands

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/spf13/cobra"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/server"
)

func TestLocal(t *testing.T) {
	streams, out, errOut := fakeIO("", false)
	if code := Main([]string{"--local", "create", "/a", "x"}, streams, nil); code != 0 || out.String() != "/a\n" || errOut.Len() != 0 {
		t.Fatalf("--local create: %d %q %q", code, out, errOut)
	}
	// In memory: the next run starts from an empty tree.
	streams, _, errOut = fakeIO("", false)
	if code := Main([]string{"--local", "get", "/a"}, streams, nil); code != 1 || !strings.Contains(errOut.String(), "node does not exist") {
		t.Fatalf("--local is not in memory: %d %q", code, errOut)
	}
	dir := t.TempDir()
	streams, _, _ = fakeIO("", false)
	if code := Main([]string{"--local", "--data-dir", dir, "create", "/kept", "yes"}, streams, nil); code != 0 {
		t.Fatalf("--local --data-dir create: %d", code)
	}
	streams, out, _ = fakeIO("", false)
	if code := Main([]string{"--local", "--data-dir", dir, "get", "/kept"}, streams, nil); code != 0 || out.String() != "yes\n" {
		t.Fatalf("--data-dir did not keep the tree: %d %q", code, out)
	}
	// The REPL gets the local server too.
	streams, out, _ = fakeIO("", false)
	code := Main([]string{"--local"}, streams, func(env *Env) error {
		root := NewRootCmd(env)
		root.SetArgs([]string{"ls", "/"})
		return root.Execute()
	})
	if code != 0 || out.String() != "[zookeeper]\n" {
		t.Fatalf("--local repl: %d %q", code, out)
	}
}

func TestServerCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfg, []byte("tickTime=500\nclientPort=2181\ninitLimit=5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	streams, _, _ := fakeIO("", false)
	errOut := &syncBuffer{}
	streams.ErrOut = errOut
	env := NewEnv(streams, Settings{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		root := NewRootCmd(env)
		root.SetArgs([]string{"server", "--config", cfg, "--port", "0"})
		done <- root.ExecuteContext(ctx)
	}()
	re := regexp.MustCompile(`zksh server listening on (127\.0\.0\.1:\d+) \(in memory\)\n`)
	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == ""; {
		if m := re.FindStringSubmatch(errOut.String()); m != nil {
			addr = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no listening line: %q", errOut.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !strings.Contains(errOut.String(), "initLimit") {
		t.Errorf("no warning for an unknown key: %q", errOut.String())
	}
	c, _, err := zk.Connect([]string{addr}, 4*time.Second, zk.WithLogger(nopLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/s", []byte("v"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("server stopped with %v", err)
	}
	// In the REPL the foreground server is refused.
	env.Interactive = true
	root := NewRootCmd(env)
	root.SetArgs([]string{"server"})
	if err := root.Execute(); ExitCode(err) != ExitUsage {
		t.Fatalf("server in REPL: %v", err)
	}
}

// TestServerDefaults: without --config the server gets Apache ZooKeeper's defaults, not the Go API's
// zero values (MaxClientCnxns 0 would mean unlimited connections).
func TestServerDefaults(t *testing.T) {
	run := func(args ...string) (*ServerOptions, error) {
		streams, _, _ := fakeIO("", false)
		var got *ServerOptions
		root := NewRootCmd(NewEnv(streams, Settings{}))
		root.RemoveCommand(findCmd(root, "server"))
		root.AddCommand(NewCmdServer(NewEnv(streams, Settings{}), func(_ context.Context, o *ServerOptions) error {
			got = o
			return nil
		}))
		root.SetArgs(args)
		return got, AsUsage(root.Execute())
	}
	o, err := run("server", "--port", "0")
	if err != nil {
		t.Fatal(err)
	}
	if c := o.Config; c.MaxClientCnxns != 60 || c.TickTime != 0 && c.TickTime != 2*time.Second || c.MinSessionTimeout != 4*time.Second ||
		c.MaxSessionTimeout != 40*time.Second || c.ClientPortAddress != "127.0.0.1" || c.ClientPort != 0 {
		t.Fatalf("defaults without --config: %+v", c)
	}
	for _, bad := range []string{"-1", "65536", "99999"} {
		if _, err := run("server", "--port", bad); ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), "--port") {
			t.Errorf("--port %s: %v", bad, err)
		}
	}
}

// TestServerDebianConfig runs the server with the zoo.cfg Debian ships as an example (dataDir
// /tmp/zookeeper is replaced by a temporary one).
func TestServerDebianConfig(t *testing.T) {
	const example = "/etc/zookeeper/conf_example/zoo.cfg"
	text, err := os.ReadFile(example)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: %v (apt-get install zookeeper)", example, err)
		}
		t.Skipf("%s: %v (apt-get install zookeeper)", example, err)
	}
	dir := t.TempDir()
	cfgText := regexp.MustCompile(`(?m)^dataDir=.*$`).ReplaceAllString(string(text), "dataDir="+dir)
	cfg := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfg, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	streams, _, _ := fakeIO("", false)
	var got *ServerOptions
	env := NewEnv(streams, Settings{})
	cmd := NewCmdServer(env, func(_ context.Context, o *ServerOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--config", cfg})
	cmd.SetOut(streams.Out)
	cmd.SetErr(streams.ErrOut)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if c := got.Config; c.ClientPort != 2181 || c.TickTime != 2*time.Second || c.ClientPortAddress != "127.0.0.1" || c.DataDir != dir || c.MaxClientCnxns != 60 {
		t.Fatalf("config from %s: %+v", example, c)
	}
	if got.Storage != "data in "+dir {
		t.Fatalf("storage %q", got.Storage)
	}
}

func findCmd(root interface {
	Find([]string) (*cobra.Command, []string, error)
}, name string) *cobra.Command {
	c, _, _ := root.Find([]string{name})
	return c
}

// runServer starts `zksh args...` (a server command) in the background and waits for its listening
// line; stop cancels it and returns its error and everything it wrote on stderr.
func runServer(t *testing.T, args ...string) (addr string, stop func() (error, string)) {
	t.Helper()
	streams, _, _ := fakeIO("", false)
	errOut := &syncBuffer{}
	streams.ErrOut = errOut
	env := NewEnv(streams, Settings{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		root := NewRootCmd(env)
		root.SetArgs(args)
		root.SetErr(errOut)
		done <- root.ExecuteContext(ctx)
	}()
	re := regexp.MustCompile(`zksh server listening on (127\.0\.0\.1:\d+)`)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if m := re.FindStringSubmatch(errOut.String()); m != nil {
			addr = m[1]
			break
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("%v: stopped with %v: %q", args, err, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("%v: no listening line: %q", args, errOut.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return addr, func() (error, string) {
		cancel()
		err := <-done
		return err, errOut.String()
	}
}

// refusedServer runs `zksh args...` (a server command) that must not start: it returns the exit
// code and stderr, or fails the test (stopping the server) if the server came up.
func refusedServer(t *testing.T, args ...string) (int, string) {
	t.Helper()
	streams, _, _ := fakeIO("", false)
	errOut := &syncBuffer{}
	streams.ErrOut = errOut
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		root := NewRootCmd(NewEnv(streams, Settings{}))
		root.SetArgs(args)
		root.SetErr(errOut)
		err := root.ExecuteContext(ctx)
		PrintError(errOut, err)
		done <- ExitCode(err)
	}()
	for {
		select {
		case code := <-done:
			return code, errOut.String()
		case <-time.After(5 * time.Millisecond):
		}
		if strings.Contains(errOut.String(), "zksh server listening") {
			cancel()
			<-done
			t.Fatalf("%v started: %q", args, errOut.String())
		}
	}
}

// writeLog makes n acknowledged writes in a data directory through --local and returns the log
// and where each record starts (plus its end).
func writeLog(t *testing.T, dir string, n int) ([]byte, []int) {
	t.Helper()
	for i := 0; i < n; i++ {
		streams, _, errOut := fakeIO("", false)
		if code := Main([]string{"--local", "--data-dir", dir, "create", fmt.Sprintf("/n%02d", i), "v"}, streams, nil); code != 0 {
			t.Fatalf("create: %d %q", code, errOut)
		}
	}
	log, err := os.ReadFile(filepath.Join(dir, "zksh-txn.log"))
	if err != nil {
		t.Fatal(err)
	}
	var bounds []int
	off := 0
	if bytes.HasPrefix(log, []byte("zksh-txn-log")) { // the log's header: magic, length, checksum, payload
		off = 20 + int(binary.BigEndian.Uint32(log[12:]))
	}
	for ; off < len(log); off += 8 + int(binary.BigEndian.Uint32(log[off:])) {
		bounds = append(bounds, off)
	}
	return log, append(bounds, len(log))
}

// children lists / through --local (the znodes the data directory holds, zookeeper aside).
func localChildren(t *testing.T, dir string) string {
	t.Helper()
	streams, out, errOut := fakeIO("", false)
	if code := Main([]string{"--local", "--data-dir", dir, "ls", "/"}, streams, nil); code != 0 {
		t.Fatalf("ls: %d %q", code, errOut)
	}
	return out.String()
}

// TestServerRefusesDamagedLog: a log damaged in the middle stops `zksh server` and `zksh --local
// --data-dir` with exit 3, naming the file and the offset, and the file stays as it was;
// `zksh server --repair` cuts it after saying what goes.
func TestServerRefusesDamagedLog(t *testing.T) {
	dir := t.TempDir()
	log, bounds := writeLog(t, dir, 12)
	full := localChildren(t, dir)
	// Each --local run is a session: records for its open and close surround each create.
	k := len(bounds) / 2
	bad := append([]byte(nil), log...)
	bad[bounds[k]+10] ^= 0x04
	path := filepath.Join(dir, "zksh-txn.log")
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	where := fmt.Sprintf("%s: damaged record at offset %d", path, bounds[k])
	for _, args := range [][]string{
		{"--local", "--data-dir", dir, "ls", "/"},
		{"server", "--data-dir", dir, "--port", "0"},
	} {
		code, errOut := refusedServer(t, args...)
		if code != ExitUnavailable || !strings.Contains(errOut, where) || !strings.Contains(errOut, "--repair") {
			t.Fatalf("%v: exit %d, %q; want 3 and %q", args, code, errOut, where)
		}
		if now, _ := os.ReadFile(path); !bytes.Equal(now, bad) {
			t.Fatalf("%v changed the damaged log", args)
		}
	}
	_, stop := runServer(t, "server", "--data-dir", dir, "--port", "0", "--repair")
	err, stderr := stop()
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("offset=%d bytes=%d records_after=%d", bounds[k], len(log)-bounds[k], len(bounds)-2-k)
	if !strings.Contains(stderr, want) || !strings.Contains(stderr, path) {
		t.Fatalf("--repair said %q, want %q", stderr, want)
	}
	got := localChildren(t, dir)
	if got == full || !strings.Contains(got, "n00") {
		t.Fatalf("after --repair: %q (before: %q)", got, full)
	}
}

// TestServerWarnsOfTornTail: a log cut in the middle of its last record starts, and says on
// stderr what it dropped: the file, the offset and the bytes.
func TestServerWarnsOfTornTail(t *testing.T) {
	dir := t.TempDir()
	log, bounds := writeLog(t, dir, 3)
	last := bounds[len(bounds)-2]
	path := filepath.Join(dir, "zksh-txn.log")
	if err := os.Truncate(path, int64(len(log)-3)); err != nil {
		t.Fatal(err)
	}
	_, stop := runServer(t, "server", "--data-dir", dir, "--port", "0")
	err, stderr := stop()
	want := fmt.Sprintf("offset=%d bytes=%d", last, len(log)-3-last)
	if err != nil || !strings.Contains(stderr, "torn") || !strings.Contains(stderr, path) || !strings.Contains(stderr, want) {
		t.Fatalf("zksh server on a torn log: %v %q, want %q", err, stderr, want)
	}
	// --local says so too.
	if err := os.WriteFile(path, log[:len(log)-3], 0o644); err != nil {
		t.Fatal(err)
	}
	streams, _, errOut := fakeIO("", false)
	if code := Main([]string{"--local", "--data-dir", dir, "ls", "/"}, streams, nil); code != 0 || !strings.Contains(errOut.String(), want) {
		t.Fatalf("--local on a torn log: %d %q", code, errOut)
	}
}

// TestServerRefusesApacheDataDir: pointed (by zoo.cfg's dataDir or dataLogDir) at the data of a
// real Apache ZooKeeper, zksh server refuses with exit 2 and writes nothing there. The data is made
// by the installed Apache; without Java, by the copy in testdata/apache-datadir (Debian's Apache
// 3.8 after one create, its preallocated log cut after the last record).
func TestServerRefusesApacheDataDir(t *testing.T) {
	apacheData := t.TempDir()
	if zktest.Installed() || os.Getenv("CI") == "true" {
		inst := zktest.StartApache(t, zktest.Options{})
		c, _, err := zk.Connect([]string{inst.Addr}, 4*time.Second, zk.WithLogger(nopLogger{}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Create("/kept-by-apache", []byte("v"), 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
		c.Close()
		// Apache fsyncs before it answers: its files are complete; copy them, then stop it.
		copyTree(t, inst.DataDir, apacheData)
		inst.Stop()
	} else {
		copyTree(t, filepath.Join("testdata", "apache-datadir"), apacheData)
	}
	var names []string
	entries, _ := os.ReadDir(filepath.Join(apacheData, "version-2"))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, "log.") }) ||
		!slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, "snapshot.") }) {
		t.Fatalf("Apache left %v", names)
	}
	empty := t.TempDir()
	for _, lines := range []string{
		"dataDir=" + apacheData,
		"dataDir=" + empty + "\ndataLogDir=" + apacheData,
	} {
		cfg := filepath.Join(t.TempDir(), "zoo.cfg")
		if err := os.WriteFile(cfg, []byte("clientPort=0\n"+lines+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		code, errOut := refusedServer(t, "server", "--config", cfg)
		if code != ExitUsage || !strings.Contains(errOut, apacheData+" holds Apache ZooKeeper data") ||
			!strings.Contains(errOut, "does not read") {
			t.Fatalf("%s: exit %d %q", lines, code, errOut)
		}
		for _, d := range []string{apacheData, empty} {
			if _, err := os.Stat(filepath.Join(d, "zksh-txn.log")); err == nil {
				t.Fatalf("%s: zksh wrote its log in %s", lines, d)
			}
		}
	}
	// --local --data-dir too.
	streams, _, errOut := fakeIO("", false)
	if code := Main([]string{"--local", "--data-dir", apacheData, "ls", "/"}, streams, nil); code != ExitUsage ||
		!strings.Contains(errOut.String(), "holds Apache ZooKeeper data") {
		t.Fatalf("--local on Apache's data: %d %q", code, errOut)
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestServerRefusesEnsembleConfig: a zoo.cfg with server.N lines (directly or in its
// dynamicConfigFile) is refused with exit 2: the bundled server is single-node.
func TestServerRefusesEnsembleConfig(t *testing.T) {
	dir := t.TempDir()
	dyn := filepath.Join(dir, "zoo.cfg.dynamic")
	if err := os.WriteFile(dyn, []byte("server.1=127.0.0.1:2888:3888:participant;127.0.0.1:2181\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{
		"clientPort=0\ndataDir=" + dir + "\nserver.1=127.0.0.1:2888:3888\nserver.2=127.0.0.2:2888:3888\n",
		"clientPort=0\ndataDir=" + dir + "\ndynamicConfigFile=" + dyn + "\n",
	} {
		cfg := filepath.Join(dir, "zoo.cfg")
		if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		code, errOut := refusedServer(t, "server", "--config", cfg)
		if code != ExitUsage || !strings.Contains(errOut, "single-node") || !strings.Contains(errOut, "server.1=") {
			t.Fatalf("%q: exit %d %q", text, code, errOut)
		}
		if _, err := os.Stat(filepath.Join(dir, "zksh-txn.log")); err == nil {
			t.Fatalf("%q: the refused server wrote its log", text)
		}
	}
}

// TestServerRefusesLostSnapshot: a compacted data directory (a snapshot, a log with no records)
// whose snapshot is gone stops `zksh server` and `zksh --local --data-dir` with exit 3, naming the
// log and the snapshot, without offering --repair; with the snapshot back, everything is there.
func TestServerRefusesLostSnapshot(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"zksh-snapshot", "zksh-txn.log"} {
		b, err := os.ReadFile(filepath.Join("../server/testdata/legacy-v2/legacy-compacted", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	full := localChildren(t, dir) // a start: the store is rewritten in the current format
	if !strings.Contains(full, "app") {
		t.Fatalf("ls /: %q", full)
	}
	snap, aside := filepath.Join(dir, "zksh-snapshot"), filepath.Join(t.TempDir(), "saved")
	if err := os.Rename(snap, aside); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--local", "--data-dir", dir, "ls", "/"},
		{"server", "--data-dir", dir, "--port", "0"},
	} {
		code, errOut := refusedServer(t, args...)
		if code != ExitUnavailable || !strings.Contains(errOut, filepath.Join(dir, "zksh-txn.log")) ||
			!strings.Contains(errOut, snap) || !strings.Contains(errOut, "missing") || strings.Contains(errOut, "--repair") {
			t.Fatalf("%v: exit %d, %q", args, code, errOut)
		}
		if _, err := os.Stat(snap); err == nil {
			t.Fatalf("%v wrote a snapshot", args)
		}
	}
	if err := os.Rename(aside, snap); err != nil {
		t.Fatal(err)
	}
	if got := localChildren(t, dir); got != full {
		t.Fatalf("with the snapshot back: %q, want %q", got, full)
	}
}

// TestServerSASLConfig: --jaas, and SERVER_JVMFLAGS' -D properties as Apache's zkServer.sh passes
// them (java.security.auth.login.config, zookeeper.authProvider.N); a Kerberos section is refused.
func TestServerSASLConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	digest := write("digest.conf", `Server { org.apache.zookeeper.server.auth.DigestLoginModule required user_bob="secret"; };`)
	other := write("other.conf", `Server { org.apache.zookeeper.server.auth.DigestLoginModule required user_eve="x"; };`)
	krb := write("krb.conf", `Server { com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab="/etc/zk.keytab" principal="zookeeper/host@EXAMPLE.COM"; };`)

	var cfg server.Config
	var warn bytes.Buffer
	flags := "-Xmx512m -Djava.security.auth.login.config=" + digest +
		" -Dzookeeper.authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider -Dzookeeper.log.dir=/tmp"
	if err := serverSASL(&cfg, "", flags, &warn); err != nil {
		t.Fatal(err)
	}
	if cfg.SASLUsers["bob"] != "secret" || !cfg.SASLACL {
		t.Fatalf("SERVER_JVMFLAGS not applied: %+v", cfg)
	}
	if !strings.Contains(warn.String(), "ignoring system property zookeeper.log.dir") || strings.Contains(warn.String(), "Xmx") {
		t.Fatalf("warnings %q", warn.String())
	}
	// --jaas wins over the flags' file.
	cfg = server.Config{}
	if err := serverSASL(&cfg, other, flags, io.Discard); err != nil || cfg.SASLUsers["eve"] != "x" || cfg.SASLUsers["bob"] != "" {
		t.Fatalf("--jaas: %v %+v", err, cfg.SASLUsers)
	}

	code, errOut := refusedServer(t, "server", "--port", "0", "--jaas", krb)
	if code != ExitUsage || !strings.Contains(errOut, "Kerberos") || !strings.Contains(errOut, krb) {
		t.Fatalf("--jaas with Kerberos: exit %d %q", code, errOut)
	}
	t.Setenv("SERVER_JVMFLAGS", "-Djava.security.auth.login.config="+krb)
	code, errOut = refusedServer(t, "server", "--port", "0")
	if code != ExitUsage || !strings.Contains(errOut, "Kerberos") {
		t.Fatalf("SERVER_JVMFLAGS with Kerberos: exit %d %q", code, errOut)
	}
}
