package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-zookeeper/zk"
)

const (
	exportRoot = "/bench-export"
	importRoot = "/bench-import"
	anchorRoot = "/bench-create"
)

// benchExport compares export with zksh's own ls -R of a parents × children tree, and import of that
// export with creating the same znodes one request at a time, 64 in flight.
// Before each timed import and anchor it waits for Apache to go idle: a deleteall of 100,000
// znodes leaves the JVM a second or more of collecting (and at times a snapshot) to do, which would
// otherwise land on whichever measurement comes next.
func benchExport(bin binaries, addr string, apachePID int, tmp string, rounds, parents, children int) error {
	conn, err := connect(addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	nodes := parents + parents*children
	if err := buildWide(conn, exportRoot, parents, children); err != nil {
		return err
	}
	file := filepath.Join(tmp, "export.jsonl")
	// getAcl -R is the floor under export: the same walk, then the one getACL per znode that export
	// needs too (multiRead cannot carry getACL, and Apache 3.8 has no other way to read ACLs).
	ds, _, err := interleave(rounds,
		[]string{bin.zksh, "-s", addr, "ls", "-R", exportRoot},
		[]string{bin.zksh, "-s", addr, "getAcl", "-R", exportRoot},
		[]string{bin.zksh, "-s", addr, "export", exportRoot, "-f", file})
	if err != nil {
		return err
	}
	lines, err := countLines(file)
	if err != nil {
		return err
	}
	if lines != nodes+2 { // header + root + nodes
		return fmt.Errorf("export wrote %d lines, want %d", lines, nodes+2)
	}
	rss, err := maxRSS(bin.zksh, "-s", addr, "export", exportRoot, "-f", file)
	if err != nil {
		return err
	}

	// Two untimed imports first: the anchor's creates were warmed by building the tree (100,000 of
	// them), and a cold JVM would otherwise charge import for compiling Apache's multi path.
	for i := 0; i < 2; i++ {
		if _, err := runOnce(bin.zksh, "-s", addr, "deleteall", importRoot); err != nil && !strings.Contains(err.Error(), "does not exist") {
			return err
		}
		if _, err := runOnce(bin.zksh, "-s", addr, "import", "-f", file, importRoot); err != nil {
			return err
		}
	}
	var ours, anchor []time.Duration
	for i := 0; i < max(3, rounds/2); i++ {
		if _, err := runOnce(bin.zksh, "-s", addr, "deleteall", importRoot); err != nil && !strings.Contains(err.Error(), "does not exist") {
			return err
		}
		settle(apachePID)
		d, err := runOnce(bin.zksh, "-s", addr, "import", "-f", file, importRoot)
		if err != nil {
			return err
		}
		if n, err := countBelow(conn, importRoot); err != nil || n != nodes {
			return fmt.Errorf("import created %d znodes (%v), want %d", n, err, nodes)
		}
		ours = append(ours, d)
		if _, err := runOnce(bin.zksh, "-s", addr, "deleteall", anchorRoot); err != nil && !strings.Contains(err.Error(), "does not exist") {
			return err
		}
		settle(apachePID)
		start := time.Now()
		if err := buildWide(conn, anchorRoot, parents, children); err != nil {
			return err
		}
		anchor = append(anchor, time.Since(start))
	}
	for _, r := range []string{exportRoot, importRoot, anchorRoot} {
		runOnce(bin.zksh, "-s", addr, "deleteall", r)
	}
	o, a := median(ours), median(anchor)
	fmt.Printf("Export and import of a %d-node tree (%d × %d; Apache ZooKeeper 3.8; median wall time, whole process)\n", nodes+1, parents, children)
	fmt.Printf("  %-34s %10s\n", "zksh ls -R", ms(ds[0]))
	fmt.Printf("  %-34s %10s   %.1f× ls -R: one getACL per znode, the floor under export\n", "zksh getAcl -R", ms(ds[1]), float64(ds[1])/float64(ds[0]))
	fmt.Printf("  %-34s %10s   %.1f× ls -R (goal ≤ 3×), %.2f× getAcl -R, max RSS %d MB (goal ≤ 64)\n", "zksh export", ms(ds[2]), float64(ds[2])/float64(ds[0]), float64(ds[2])/float64(ds[1]), rss>>20)
	fmt.Printf("  %-34s %10s\n", "create one by one, 64 in flight", ms(a))
	fmt.Printf("  %-34s %10s   %s faster (goal ≥ 10×)\n\n", "zksh import", ms(o), ratio(a, o))
	return nil
}

// settle waits, up to 20 s, until process pid uses less than a twentieth of a CPU over a quarter
// of a second.
func settle(pid int) {
	const window = 250 * time.Millisecond
	cpu := func() int64 { // user + system clock ticks (100 a second)
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return -1
		}
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		return u + s
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		before := cpu()
		time.Sleep(window)
		after := cpu()
		if before < 0 || after < 0 || after-before <= 1 {
			return
		}
	}
}

// buildWide creates root with parents children of children znodes each, one create request per
// znode, 64 in flight (createAll): also the anchor import is measured against.
func buildWide(conn *zk.Conn, root string, parents, children int) error {
	if _, err := conn.Create(root, nil, 0, zk.WorldACL(zk.PermAll)); err != nil && err != zk.ErrNodeExists {
		return err
	}
	var ps, leaves []string
	for i := 0; i < parents; i++ {
		p := fmt.Sprintf("%s/p%03d", root, i)
		ps = append(ps, p)
		for j := 0; j < children; j++ {
			leaves = append(leaves, fmt.Sprintf("%s/c%04d", p, j))
		}
	}
	if err := createAll(conn, ps); err != nil {
		return err
	}
	return createAll(conn, leaves)
}

func countBelow(conn *zk.Conn, root string) (int, error) {
	ps, _, err := conn.Children(root)
	if err != nil {
		return 0, err
	}
	n := len(ps)
	for _, p := range ps {
		_, st, err := conn.Exists(root + "/" + p)
		if err != nil {
			return 0, err
		}
		n += int(st.NumChildren)
	}
	return n, nil
}

func countLines(file string) (int, error) {
	b, err := os.ReadFile(file)
	return bytes.Count(b, []byte("\n")), err
}

// maxRSS runs a command once and returns its peak resident set size in bytes. It runs it through a
// fresh copy of this program (rssMain): a child's peak as the kernel counts it includes the memory
// of the process that started it, up to its exec, and the benchmark itself holds a large tree.
func maxRSS(name string, args ...string) (int64, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	out, err := exec.Command(self, append([]string{rssFlag, name}, args...)...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%s: %v\n%s", name, err, out)
	}
	kb, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	return kb << 10, err
}

// rssFlag, as the first argument, makes this program run rssMain.
const rssFlag = "-rss-of"

// rssMain runs args (its output discarded) and prints its peak RSS in kilobytes.
func rssMain(args []string) {
	cmd := exec.Command(args[0], args[1:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "%v\n%s", err, stderr.String())
		os.Exit(1)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		fmt.Fprintln(os.Stderr, "no rusage")
		os.Exit(1)
	}
	fmt.Println(ru.Maxrss) // kilobytes on Linux
}
