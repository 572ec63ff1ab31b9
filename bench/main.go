// Command bench measures zksh against its anchors in one run and prints the ratios side by side:
// one-shot get and the recursive ls/deleteall against zkCli.sh (both on Apache ZooKeeper), find,
// grep and du against zksh's own ls -R of the same tree, and the bundled server's throughput and
// memory against Apache ZooKeeper's.
//
//	go run ./bench            # everything
//	go run ./bench -only get  # one group: get, tree, tools, export, server
//
// The machine is shared and noisy: every figure is compared with its anchor measured in the same run.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/zksh/zksh/internal/zktest"
)

func main() {
	if len(os.Args) > 2 && os.Args[1] == rssFlag {
		rssMain(os.Args[2:])
		return
	}
	only := flag.String("only", "", "run one group: get, tree, tools, export or server")
	rounds := flag.Int("rounds", 5, "repetitions of each zkCli.sh measurement (zksh runs 4× as many)")
	fanout := flag.Int("fanout", 100, "the tree has fanout + fanout² nodes (100 → 10,100)")
	duration := flag.Duration("duration", 5*time.Second, "length of each server throughput run")
	flag.Parse()
	if err := run(*only, *rounds, *fanout, *duration); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(only string, rounds, fanout int, duration time.Duration) error {
	tmp, err := os.MkdirTemp("", "zksh-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin, err := buildBinaries(tmp)
	if err != nil {
		return err
	}
	fmt.Printf("zksh benchmarks, %s, %s\n\n", time.Now().UTC().Format(time.RFC3339), machine())
	want := func(g string) bool { return only == "" || only == g }
	if want("get") || want("tree") || want("tools") || want("export") {
		apache, err := zktest.Launch(zktest.Options{TickTime: 2 * time.Second, JVMFlags: "-Dzookeeper.admin.enableServer=false"})
		if err != nil {
			return err
		}
		defer apache.Stop()
		if want("get") {
			if err := benchGet(bin, apache.Addr, rounds); err != nil {
				return err
			}
		}
		if want("tree") {
			if err := benchTree(bin, apache.Addr, rounds, fanout); err != nil {
				return err
			}
		}
		if want("tools") {
			// The tree: 100 parents of 1,000 children (100,101 znodes).
			if err := benchTools(bin, apache.Addr, rounds, 100, 1000); err != nil {
				return err
			}
		}
		if want("export") {
			if err := benchExport(bin, apache.Addr, apache.PID(), tmp, rounds, 100, 1000); err != nil {
				return err
			}
		}
	}
	if want("server") {
		if err := benchServer(bin, tmp, duration); err != nil {
			return err
		}
	}
	return nil
}

type binaries struct{ zksh, bareGet, load, zkCli string }

func buildBinaries(dir string) (binaries, error) {
	b := binaries{
		zksh:    filepath.Join(dir, "zksh"),
		bareGet: filepath.Join(dir, "bareget"),
		load:    filepath.Join(dir, "load"),
		zkCli:   "/usr/share/zookeeper/bin/zkCli.sh",
	}
	for out, pkg := range map[string]string{b.zksh: "./cmd/zksh", b.bareGet: "./bench/bareget", b.load: "./bench/load"} {
		// Built as goreleaser builds releases (stripped), so the figures are those of what users run.
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			return b, fmt.Errorf("go build %s: %v\n%s", pkg, err, msg)
		}
	}
	return b, nil
}

func machine() string {
	out, _ := exec.Command("nproc").Output()
	return fmt.Sprintf("%s cores", strings.TrimSpace(string(out)))
}

// timeRun runs a command n times and returns the median wall time; the output of the last run is
// returned so callers can check the command did its job.
func timeRun(n int, name string, args ...string) (time.Duration, []byte, error) {
	ds, outs, err := interleave(n, append([]string{name}, args...))
	if err != nil {
		return 0, nil, err
	}
	return ds[0], outs[0], nil
}

// runOnce times a single run, for commands that consume their input (deleteall).
func runOnce(name string, args ...string) (time.Duration, error) {
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return time.Since(start), nil
}

// interleave runs each command once to warm up the server, then n rounds of every command in turn, so
// a server warming up or a noisy neighbour weighs on all of them alike. It returns each command's
// median wall time and the output of its last run.
func interleave(n int, cmds ...[]string) ([]time.Duration, [][]byte, error) {
	times := make([][]time.Duration, len(cmds))
	outs := make([][]byte, len(cmds))
	for round := -1; round < n; round++ {
		for i, c := range cmds {
			cmd := exec.Command(c[0], c[1:]...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			start := time.Now()
			err := cmd.Run()
			d := time.Since(start)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %v\n%s", strings.Join(c, " "), err, stderr.String())
			}
			if round >= 0 {
				times[i] = append(times[i], d)
			}
			outs[i] = stdout.Bytes()
		}
	}
	medians := make([]time.Duration, len(cmds))
	for i := range times {
		medians[i] = median(times[i])
	}
	return medians, outs, nil
}

func median(ts []time.Duration) time.Duration {
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	return ts[len(ts)/2]
}

func ratio(anchor, ours time.Duration) string {
	return fmt.Sprintf("%.1f×", float64(anchor)/float64(ours))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
