package zktest

import (
	"os"
	"sync"
	"testing"
	"time"

	"github.com/zksh/zksh/server"
)

var (
	bundledOnce sync.Once
	bundled     *server.Server
	bundledErr  error
)

// Server returns the address of the test binary's shared ZooKeeper for tests that need a ZooKeeper
// rather than Apache's in particular: Apache when it is installed (always in CI, where a missing one
// fails the test), otherwise the bundled server, configured as the Apache instances are (500ms ticks,
// the super digest, every four-letter word, TTL nodes), so that work goes on without Java.
func Server(t testing.TB) string {
	t.Helper()
	if Installed() || os.Getenv("CI") == "true" {
		return Apache(t)
	}
	bundledOnce.Do(func() {
		bundled, bundledErr = server.New(server.Config{
			TickTime:             500 * time.Millisecond,
			ExtendedTypesEnabled: true,
			SuperDigest:          SuperDigest,
			FourLetterWords:      []string{"*"},
		})
		if bundledErr == nil {
			bundledErr = bundled.Start()
		}
	})
	if bundledErr != nil {
		t.Fatalf("start the bundled server: %v", bundledErr)
	}
	return bundled.Addr()
}

// Targets returns the servers a comparison test runs against, by name: Apache (where installed, and
// always in CI) and the bundled server at bundled. Without Java the test still runs on the bundled
// server alone, and says so.
func Targets(t testing.TB, bundled string) map[string]string {
	t.Helper()
	targets := map[string]string{"bundled": bundled}
	if Installed() || os.Getenv("CI") == "true" {
		targets["apache"] = Apache(t)
	} else {
		t.Logf("%s: running on the bundled server only", installHint())
	}
	return targets
}
