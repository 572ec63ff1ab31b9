package server_test

import (
	"io"
	"log"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/server"
)

// BenchmarkThroughput compares this server with Apache ZooKeeper 3.8 under the same load: 4
// go-zookeeper connections, 64 goroutines, reads (getData) and writes (setData).
//
//	go test -run XXX -bench Throughput ./server/
func BenchmarkThroughput(b *testing.B) {
	targets := map[string]func(b *testing.B) string{
		"zksh": func(b *testing.B) string {
			srv, err := server.Run()
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { srv.Close() })
			return srv.Addr()
		},
		"zksh-persistent": func(b *testing.B) string {
			srv, err := server.New(server.Config{DataDir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			srv.Start()
			b.Cleanup(func() { srv.Close() })
			return srv.Addr()
		},
		"apache": func(b *testing.B) string { return zktest.Apache(b) },
	}
	for _, name := range []string{"zksh", "zksh-persistent", "apache"} {
		for _, op := range []string{"get", "set"} {
			b.Run(name+"/"+op, func(b *testing.B) {
				addr := targets[name](b)
				var conns []*zk.Conn
				for i := 0; i < 4; i++ {
					c, _, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithLogger(log.New(io.Discard, "", 0)))
					if err != nil {
						b.Fatal(err)
					}
					defer c.Close()
					conns = append(conns, c)
				}
				path := "/bench-" + name
				conns[0].Create(path, []byte("value"), 0, zk.WorldACL(zk.PermAll))
				b.ResetTimer()
				var wg sync.WaitGroup
				per := b.N/64 + 1
				for g := 0; g < 64; g++ {
					wg.Add(1)
					go func(c *zk.Conn) {
						defer wg.Done()
						for i := 0; i < per; i++ {
							var err error
							if op == "get" {
								_, _, err = c.Get(path)
							} else {
								_, err = c.Set(path, []byte("value"), -1)
							}
							if err != nil {
								b.Error(err)
								return
							}
						}
					}(conns[g%4])
				}
				wg.Wait()
			})
		}
	}
}
