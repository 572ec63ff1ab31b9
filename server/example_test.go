package server_test

import (
	"fmt"
	"io"
	"log"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/server"
)

// waitState reads events until one has the wanted state (go-zookeeper's event channel must be
// drained), or gives up after ten seconds.
func waitState(events <-chan zk.Event, want zk.State) bool {
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.State == want {
				return true
			}
		case <-timeout:
			return false
		}
	}
}

// A Go program's tests run their ZooKeeper code against an in-process server: no Java, no
// sleeping for sessions to expire. In a test, server.RunT(t) does the Run and the Close.
func Example() {
	srv, err := server.Run() // in memory, on a free loopback port
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	conn, events, err := zk.Connect([]string{srv.Addr()}, 10*time.Second, zk.WithLogger(log.New(io.Discard, "", 0)))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	if !waitState(events, zk.StateHasSession) {
		log.Fatal("no session")
	}

	// The code under test registers a worker.
	conn.Create("/workers", []byte("v1"), 0, zk.WorldACL(zk.PermAll))
	conn.Create("/workers/w-", nil, zk.FlagEphemeral|zk.FlagSequence, zk.WorldACL(zk.PermAll))

	// The test looks at the tree directly, without a client.
	data, stat, _ := srv.Get("/workers")
	kids, _ := srv.Children("/workers")
	fmt.Println(string(data), stat.NumChildren, kids)

	// A minute passes at once: the session expires and its ephemeral node is gone when
	// FastForward returns; the client hears of it as soon as it reconnects.
	srv.FastForward(time.Minute)
	kids, _ = srv.Children("/workers")
	fmt.Println(kids)
	fmt.Println("expired:", waitState(events, zk.StateExpired))

	// Output:
	// v1 1 [w-0000000000]
	// []
	// expired: true
}

// TTL nodes (which, as in Apache, need extendedTypesEnabled) go once the clock passes their TTL.
func ExampleServer_FastForward() {
	srv, err := server.New(server.Config{ExtendedTypesEnabled: true})
	if err != nil {
		log.Fatal(err)
	}
	srv.Start()
	defer srv.Close()

	conn, events, err := zk.Connect([]string{srv.Addr()}, 10*time.Second, zk.WithLogger(log.New(io.Discard, "", 0)))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	waitState(events, zk.StateHasSession)
	if _, err := conn.CreateTTL("/cache", nil, zk.FlagTTL, zk.WorldACL(zk.PermAll), 10*time.Second); err != nil {
		log.Fatal(err)
	}

	srv.FastForward(5 * time.Second)
	fmt.Println("after 5s:", srv.Exists("/cache"))
	srv.FastForward(6 * time.Second)
	fmt.Println("after 11s:", srv.Exists("/cache"))

	// Output:
	// after 5s: true
	// after 11s: false
}
