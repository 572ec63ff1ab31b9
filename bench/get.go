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

	anchor, out, err := timeRun(rounds, bin.zkCli, "-server", addr, "get", path)
	if err != nil {
		return err
	}
	if !strings.Contains(string(out), data) {
		return fmt.Errorf("zkCli.sh get printed %q, not the data", out)
	}
	ours, out, err := timeRun(rounds*4, bin.zksh, "-s", addr, "get", path)
	if err != nil {
		return err
	}
	if strings.TrimSpace(string(out)) != data {
		return fmt.Errorf("zksh get printed %q, want %q", out, data)
	}
	bare, _, err := timeRun(rounds*4, bin.bareGet, addr, path)
	if err != nil {
		return err
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
