package integration

import (
	"os"
	"testing"
	"time"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/server"
)

// bundled starts the server under test, configured as zktest configures
// Apache ZooKeeper, and returns its address and a way to move its clock.
//
// ZKSH_IT_AGAINST=apache puts a second Apache ZooKeeper in its place (advance
// is then nil: wall time): Apache against Apache must agree, which proves the
// harness's normalization.
//
// A test that changes the configuration passes the same change twice: as
// zoo.cfg lines (extra, for the Apache stand-in) and as tweak.
func bundled(t *testing.T, extra []string, tweak func(*server.Config)) (name, addr string, advance func(time.Duration)) {
	t.Helper()
	if os.Getenv("ZKSH_IT_AGAINST") == "apache" {
		inst := zktest.StartApache(t, zktest.Options{Extra: extra})
		return "apache2", inst.Addr, nil
	}
	cfg := server.Config{
		TickTime:               500 * time.Millisecond,
		ExtendedTypesEnabled:   true,
		SuperDigest:            zktest.SuperDigest,
		FourLetterWords:        []string{"*"},
		ContainerCheckInterval: 100 * time.Millisecond,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("server.Start: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return "zksh", srv.Addr(), srv.FastForward
}
