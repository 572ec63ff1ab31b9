package main

import (
	"bytes"
	"fmt"
	"time"

	"github.com/go-zookeeper/zk"
)

const toolsRoot = "/bench-tools"

// benchTools compares find, grep, du and tree with zksh's own ls -R of the same tree: parents ×
// children znodes with short data under toolsRoot, on Apache ZooKeeper. The walk is the limit of
// all of them, so ls -R is the anchor.
func benchTools(bin binaries, addr string, rounds, parents, children int) error {
	conn, err := connect(addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	nodes := 1 + parents + parents*children
	if err := buildToolsTree(conn, parents, children); err != nil {
		return err
	}
	lastName := fmt.Sprintf("c%04d", children-1)
	cmds := [][]string{
		{bin.zksh, "-s", addr, "ls", "-R", toolsRoot},
		{bin.zksh, "-s", addr, "find", toolsRoot, "-name", lastName},
		{bin.zksh, "-s", addr, "find", toolsRoot, "-type", "e"},
		{bin.zksh, "-s", addr, "grep", "value " + lastName + "$", toolsRoot},
		{bin.zksh, "-s", addr, "du", "-s", toolsRoot},
	}
	times, outs, err := interleave(rounds, cmds...)
	if err != nil {
		return err
	}
	checks := []struct {
		what string
		got  int
		want int
	}{
		{"ls -R lines", bytes.Count(outs[0], []byte("\n")), nodes},
		{"find -name lines", bytes.Count(outs[1], []byte("\n")), parents},
		{"find -type e lines", bytes.Count(outs[2], []byte("\n")), 0},
		{"grep lines", bytes.Count(outs[3], []byte("\n")), parents},
	}
	for _, c := range checks {
		if c.got != c.want {
			return fmt.Errorf("zksh %s: %d, want %d", c.what, c.got, c.want)
		}
	}
	if want := fmt.Sprintf("%d\t%d\t%s\n", parents*children*len("value c0000"), nodes, toolsRoot); string(outs[4]) != want {
		return fmt.Errorf("zksh du -s: %q, want %q", outs[4], want)
	}
	anchor := times[0]
	fmt.Printf("Search and inspection on a %d-znode tree (%d × %d, short data; Apache ZooKeeper 3.8; median of %d, whole process)\n",
		nodes, parents, children, rounds)
	row := func(name string, d time.Duration, goal string) {
		fmt.Printf("  %-34s %10s   %.2f× ls -R%s\n", name, ms(d), float64(d)/float64(anchor), goal)
	}
	fmt.Printf("  %-34s %10s   (the anchor)\n", "zksh ls -R", ms(anchor))
	row("zksh find -name NAME", times[1], " (goal ≤ 1.5×)")
	row("zksh find -type e (reads stats)", times[2], " (goal ≤ 1.5×)")
	row("zksh grep PATTERN (reads data)", times[3], " (goal ≤ 3×)")
	row("zksh du -s", times[4], "")
	fmt.Println()
	return nil
}

// buildToolsTree creates toolsRoot with parents znodes of children znodes each (data "value cNNNN"
// on the leaves), unless it is already there.
func buildToolsTree(conn *zk.Conn, parents, children int) error {
	if _, st, err := conn.Exists(toolsRoot); err == nil && st != nil && st.NumChildren == int32(parents) {
		if _, last, err := conn.Exists(fmt.Sprintf("%s/p%03d", toolsRoot, parents-1)); err == nil && last != nil && last.NumChildren == int32(children) {
			return nil
		}
	}
	if _, err := conn.Create(toolsRoot, nil, 0, zk.WorldACL(zk.PermAll)); err != nil && err != zk.ErrNodeExists {
		return err
	}
	var ps []string
	for i := 0; i < parents; i++ {
		ps = append(ps, fmt.Sprintf("%s/p%03d", toolsRoot, i))
	}
	if err := createAllData(conn, ps, func(string) []byte { return nil }); err != nil {
		return err
	}
	var leaves []string
	for _, p := range ps {
		for j := 0; j < children; j++ {
			leaves = append(leaves, fmt.Sprintf("%s/c%04d", p, j))
		}
	}
	return createAllData(conn, leaves, func(p string) []byte { return []byte("value " + p[len(p)-5:]) })
}
