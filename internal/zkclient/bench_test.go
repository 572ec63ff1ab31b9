package zkclient

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/server"
)

// benchClient returns a Client of a bundled server of its own.
func benchClient(b *testing.B) *Client {
	srv := server.RunT(b)
	c, err := New(Config{Server: srv.Addr(), SessionTimeout: 10 * time.Second, ConnectTimeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	if err := c.Wait(context.Background()); err != nil {
		b.Fatal(err)
	}
	return c
}

// createTree creates /t with 100 children of 100 children each (10,101 znodes).
func createTree(b *testing.B, c *Client) {
	var ops []any
	add := func(p string) { ops = append(ops, &zk.CreateRequest{Path: p, Acl: zk.WorldACL(zk.PermAll)}) }
	flush := func() {
		if _, err := c.s.Multi(ops...); err != nil {
			b.Fatal(err)
		}
		ops = ops[:0]
	}
	add("/t")
	for i := range 100 {
		add(fmt.Sprintf("/t/n%03d", i))
	}
	flush()
	for i := range 100 {
		for j := range 100 {
			add(fmt.Sprintf("/t/n%03d/m%03d", i, j))
		}
		flush()
	}
}

// BenchmarkWalk10k: ls -R's walk of a 10,101-znode tree on the bundled server.
func BenchmarkWalk10k(b *testing.B) {
	c := benchClient(b)
	createTree(b, c)
	b.ResetTimer()
	for range b.N {
		w := c.Walker()
		levels, err := w.Walk(context.Background(), "/t")
		w.Close()
		if err != nil || len(levels) != 3 || len(levels[2]) != 10000 {
			b.Fatalf("%d levels, %v", len(levels), err)
		}
	}
}

// BenchmarkDeleteTree10k: deleteall of a 10,101-znode tree on the bundled server (the time to
// create the tree again is not counted).
func BenchmarkDeleteTree10k(b *testing.B) {
	c := benchClient(b)
	for range b.N {
		b.StopTimer()
		createTree(b, c)
		b.StartTimer()
		n, err := c.DeleteTree(context.Background(), []string{"/t"}, 1000, nil)
		if err != nil || n != 10101 {
			b.Fatalf("deleted %d, %v", n, err)
		}
	}
}

// BenchmarkGetInFlight: 2,000 getData on the Client's session, 64 in flight (the fan-out commands
// use), on the bundled server.
func BenchmarkGetInFlight(b *testing.B) {
	c := benchClient(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := ForEach(context.Background(), 2000, InFlight, func(_, _ int) error { _, _, err := c.Get("/"); return err }); err != nil {
			b.Fatal(err)
		}
	}
}
