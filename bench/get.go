package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"
)

// benchGet compares the wall time of one-shot `get` commands, each a fresh process.
func benchGet(bin binaries, addr string, rounds int) error {
	conn, err := connect(addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	const path, data = "/bench-get", "hello zksh"
	conn.Delete(path, -1)
	if _, err := conn.Create(path, []byte(data), 0, zk.WorldACL(zk.PermAll)); err != nil {
		return fmt.Errorf("create %s: %v", path, err)
	}

	// zkCli.sh takes most of a second a run; zksh and the floor get four times as many rounds.
	anchor, out, err := timeRun(rounds, bin.zkCli, "-server", addr, "get", path)
	if err != nil {
		return err
	}
	if !strings.Contains(string(out), data) {
		return fmt.Errorf("zkCli.sh get printed %q, not the data", out)
	}
	ds, outs, err := interleave(rounds*4,
		[]string{bin.zksh, "-s", addr, "get", path},
		[]string{bin.bareGet, addr, path})
	if err != nil {
		return err
	}
	ours, bare := ds[0], ds[1]
	if got := strings.TrimSpace(string(outs[0])); got != data {
		return fmt.Errorf("zksh get printed %q, want %q", got, data)
	}
	fmt.Println("One-shot get (fresh process each; Apache ZooKeeper 3.8; median wall time)")
	fmt.Printf("  %-34s %10s\n", "zkCli.sh get", ms(anchor))
	fmt.Printf("  %-34s %10s   %s faster than zkCli.sh (goal ≥ 50×)\n", "zksh get", ms(ours), ratio(anchor, ours))
	fmt.Printf("  %-34s %10s   %s (the floor: connect, get, exit)\n\n", "bare go-zookeeper/zk program", ms(bare), ratio(anchor, bare))
	return nil
}

func connect(addr string) (*zk.Conn, error) {
	conn, events, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithLogInfo(false), zk.WithLogger(quiet{}))
	if err != nil {
		return nil, err
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				go func() {
					for range events {
					}
				}()
				return conn, nil
			}
		case <-timeout:
			conn.Close()
			return nil, fmt.Errorf("no session with %s after 10s", addr)
		}
	}
}

type quiet struct{}

func (quiet) Printf(string, ...interface{}) {}
