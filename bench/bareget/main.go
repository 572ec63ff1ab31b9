// Command bareget is the floor for a one-shot get: a bare go-zookeeper/zk program that connects,
// waits for its session, reads one znode, prints it and exits.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/go-zookeeper/zk"
)

type quiet struct{}

func (quiet) Printf(string, ...interface{}) {}

func main() {
	conn, events, err := zk.Connect([]string{os.Args[1]}, 30*time.Second, zk.WithLogger(quiet{}))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	for ev := range events {
		if ev.State == zk.StateHasSession {
			break
		}
	}
	data, _, err := conn.Get(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(string(data))
	conn.Close()
}
