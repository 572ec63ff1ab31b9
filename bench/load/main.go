// Command load drives a ZooKeeper server from its own process for a fixed time and prints the
// operations it completed: -clients sessions, each with -inflight requests outstanding.
package main

import (
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"
)

type quiet struct{}

func (quiet) Printf(string, ...interface{}) {}

func main() {
	addr := flag.String("addr", "127.0.0.1:2181", "server")
	clients := flag.Int("clients", 8, "sessions")
	inflight := flag.Int("inflight", 16, "requests outstanding per session")
	duration := flag.Duration("duration", 5*time.Second, "how long to run")
	mix := flag.String("mix", "read", "read (getData) or write (setData)")
	flag.Parse()
	ops, err := run(*addr, *clients, *inflight, *duration, *mix)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	fmt.Printf("%d %f\n", ops, duration.Seconds())
}

func run(addr string, clients, inflight int, duration time.Duration, mix string) (int64, error) {
	conns := make([]*zk.Conn, clients)
	for i := range conns {
		c, events, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithLogger(quiet{}))
		if err != nil {
			return 0, err
		}
		for ev := range events {
			if ev.State == zk.StateHasSession {
				break
			}
		}
		go func() {
			for range events {
			}
		}()
		defer c.Close()
		conns[i] = c
		path := fmt.Sprintf("/load-%d", i)
		if _, err := c.Create(path, make([]byte, 128), 0, zk.WorldACL(zk.PermAll)); err != nil && err != zk.ErrNodeExists {
			return 0, err
		}
	}
	var ops atomic.Int64
	var firstErr atomic.Value
	stop := time.Now().Add(duration)
	var wg sync.WaitGroup
	payload := make([]byte, 128)
	for i, c := range conns {
		path := fmt.Sprintf("/load-%d", i)
		for j := 0; j < inflight; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(stop) {
					var err error
					if mix == "write" {
						_, err = c.Set(path, payload, -1)
					} else {
						_, _, err = c.Get(path)
					}
					if err != nil {
						firstErr.CompareAndSwap(nil, err)
						return
					}
					ops.Add(1)
				}
			}()
		}
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return ops.Load(), err
	}
	return ops.Load(), nil
}
