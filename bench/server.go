package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zksh/zksh/internal/zktest"
)

// benchServer compares the bundled server's throughput and peak memory with Apache ZooKeeper's, both
// as separate processes on loopback driven by the same load generator process.
func benchServer(bin binaries, tmp string, duration time.Duration) error {
	type target struct {
		name    string
		addr    string
		pid     int
		stop    func()
		durable bool
	}
	var targets []target

	apache, err := zktest.Launch(zktest.Options{TickTime: 2 * time.Second, JVMFlags: "-Dzookeeper.admin.enableServer=false"})
	if err != nil {
		return err
	}
	targets = append(targets, target{"Apache ZooKeeper 3.8 (fsync per write)", apache.Addr, apache.PID(), apache.Stop, true})
	ours, err := startZkshServer(bin.zksh, filepath.Join(tmp, "zksh-data"))
	if err != nil {
		apache.Stop()
		return err
	}
	targets = append(targets, target{"zksh server --data-dir (fsync per write)", ours.addr, ours.pid, ours.stop, true})
	mem, err := startZkshServer(bin.zksh, "")
	if err != nil {
		return err
	}
	targets = append(targets, target{"zksh server (in memory)", mem.addr, mem.pid, mem.stop, false})
	defer func() {
		for _, t := range targets {
			t.stop()
		}
	}()

	fmt.Printf("Server throughput (8 sessions × 16 requests in flight, %s each, 128-byte znodes)\n", duration)
	var anchorRead, anchorWrite float64
	for i, t := range targets {
		// A short unmeasured run first, so the JVM's JIT has compiled the hot paths.
		if _, err := load(bin.load, t.addr, "write", duration/2); err != nil {
			return fmt.Errorf("%s: warm-up: %v", t.name, err)
		}
		read, err := load(bin.load, t.addr, "read", duration)
		if err != nil {
			return fmt.Errorf("%s: %v", t.name, err)
		}
		write, err := load(bin.load, t.addr, "write", duration)
		if err != nil {
			return fmt.Errorf("%s: %v", t.name, err)
		}
		peak := peakRSS(t.pid)
		if i == 0 {
			anchorRead, anchorWrite = read, write
			fmt.Printf("  %-42s getData %8.0f/s            setData %7.0f/s          peak RSS %4d MiB\n", t.name, read, write, peak>>20)
			continue
		}
		fmt.Printf("  %-42s getData %8.0f/s (%5.2f×)    setData %7.0f/s (%5.2f×)  peak RSS %4d MiB\n",
			t.name, read, read/anchorRead, write, write/anchorWrite, peak>>20)
	}
	fmt.Println()
	return nil
}

type process struct {
	addr string
	pid  int
	stop func()
}

func startZkshServer(zksh, dataDir string) (process, error) {
	port, err := zktest.FreePort()
	if err != nil {
		return process{}, err
	}
	args := []string{"server", "--bind", "127.0.0.1", "--port", strconv.Itoa(port)}
	if dataDir != "" {
		args = append(args, "--data-dir", dataDir)
	}
	cmd := exec.Command(zksh, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return process{}, err
	}
	if err := cmd.Start(); err != nil {
		return process{}, err
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "listening on") {
				ready <- sc.Text()
			}
		}
	}()
	stop := func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		return process{}, fmt.Errorf("zksh server did not say it was listening within 10s")
	}
	return process{addr: fmt.Sprintf("127.0.0.1:%d", port), pid: cmd.Process.Pid, stop: stop}, nil
}

func load(loadBin, addr, mix string, d time.Duration) (float64, error) {
	out, err := exec.Command(loadBin, "-addr", addr, "-mix", mix, "-duration", d.String()).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return 0, fmt.Errorf("load %s: %s", mix, ee.Stderr)
		}
		return 0, err
	}
	var ops int64
	var secs float64
	if _, err := fmt.Sscan(string(out), &ops, &secs); err != nil {
		return 0, fmt.Errorf("load printed %q", out)
	}
	return float64(ops) / secs, nil
}

// peakRSS reads the process's high-water resident set (VmHWM) in bytes.
func peakRSS(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if kb, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(kb), " kB"), 10, 64)
			return n << 10
		}
	}
	return 0
}
