package main

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
)

const treeRoot = "/bench-tree"

// benchTree compares recursive listing and deletion of a fanout+fanout² node tree.
func benchTree(bin binaries, addr string, rounds, fanout int) error {
	conn, err := connect(addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	nodes := fanout + fanout*fanout
	anchorRounds := max(1, rounds/2)

	if err := buildTree(conn, fanout); err != nil {
		return err
	}
	anchorLs, out, err := timeRun(anchorRounds, bin.zkCli, "-server", addr, "ls", "-R", treeRoot)
	if err != nil {
		return err
	}
	if got := countPaths(out); got != nodes+1 {
		return fmt.Errorf("zkCli.sh ls -R listed %d paths, want %d", got, nodes+1)
	}
	oursLs, out, err := timeRun(rounds, bin.zksh, "-s", addr, "ls", "-R", treeRoot)
	if err != nil {
		return err
	}
	if got := countPaths(out); got != nodes+1 {
		return fmt.Errorf("zksh ls -R listed %d paths, want %d", got, nodes+1)
	}

	var anchorDel, oursDel []time.Duration
	for i := 0; i < anchorRounds; i++ {
		if err := buildTree(conn, fanout); err != nil {
			return err
		}
		d, err := runOnce(bin.zkCli, "-server", addr, "deleteall", treeRoot)
		if err != nil {
			return err
		}
		if err := mustBeGone(conn); err != nil {
			return fmt.Errorf("zkCli.sh deleteall: %v", err)
		}
		anchorDel = append(anchorDel, d)
	}
	for i := 0; i < rounds; i++ {
		if err := buildTree(conn, fanout); err != nil {
			return err
		}
		d, err := runOnce(bin.zksh, "-s", addr, "deleteall", treeRoot)
		if err != nil {
			return err
		}
		if err := mustBeGone(conn); err != nil {
			return fmt.Errorf("zksh deleteall: %v", err)
		}
		oursDel = append(oursDel, d)
	}
	aDel, oDel := median(anchorDel), median(oursDel)
	fmt.Printf("Recursive operations on a %d-node tree (Apache ZooKeeper 3.8; median wall time, whole process)\n", nodes)
	fmt.Printf("  %-34s %10s\n", "zkCli.sh ls -R", ms(anchorLs))
	fmt.Printf("  %-34s %10s   %s faster (goal ≥ 15×)\n", "zksh ls -R", ms(oursLs), ratio(anchorLs, oursLs))
	fmt.Printf("  %-34s %10s\n", "zkCli.sh deleteall", ms(aDel))
	fmt.Printf("  %-34s %10s   %s faster (goal ≥ 15×)\n\n", "zksh deleteall", ms(oDel), ratio(aDel, oDel))
	return nil
}

func countPaths(out []byte) int {
	n := 0
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, treeRoot) {
			n++
		}
	}
	return n
}

func mustBeGone(conn *zk.Conn) error {
	ok, _, err := conn.Exists(treeRoot)
	if err != nil {
		return err
	}
	if ok {
		return fmt.Errorf("%s still exists", treeRoot)
	}
	return nil
}

// buildTree creates treeRoot with fanout children of fanout children each, many creates in flight.
func buildTree(conn *zk.Conn, fanout int) error {
	acl := zk.WorldACL(zk.PermAll)
	if _, err := conn.Create(treeRoot, nil, 0, acl); err != nil && err != zk.ErrNodeExists {
		return err
	}
	var paths []string
	for i := 0; i < fanout; i++ {
		paths = append(paths, fmt.Sprintf("%s/n%03d", treeRoot, i))
	}
	if err := createAll(conn, paths); err != nil {
		return err
	}
	var leaves []string
	for _, p := range paths {
		for j := 0; j < fanout; j++ {
			leaves = append(leaves, fmt.Sprintf("%s/l%03d", p, j))
		}
	}
	return createAll(conn, leaves)
}

func createAll(conn *zk.Conn, paths []string) error {
	return createAllData(conn, paths, func(string) []byte { return []byte("x") })
}

// createAllData creates the paths with data(path), many creates in flight.
func createAllData(conn *zk.Conn, paths []string, data func(string) []byte) error {
	const inFlight = 64
	var wg sync.WaitGroup
	errs := make(chan error, len(paths))
	sem := make(chan struct{}, inFlight)
	for _, p := range paths {
		sem <- struct{}{}
		wg.Add(1)
		go func(p string) {
			defer func() { <-sem; wg.Done() }()
			if _, err := conn.Create(p, data(p), 0, zk.WorldACL(zk.PermAll)); err != nil && err != zk.ErrNodeExists {
				errs <- fmt.Errorf("create %s: %v", p, err)
			}
		}(p)
	}
	wg.Wait()
	close(errs)
	return <-errs
}
