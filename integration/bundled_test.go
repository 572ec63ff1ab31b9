package integration

import (
	"testing"
	"time"

	"github.com/zksh/zksh/internal/zktest"
)

// bundled starts the server under test and returns its address and a way to
// move its clock (nil: the server runs on wall time). Until the bundled server lands, a second Apache instance
// stands in, which proves the normalization (Apache vs Apache must agree).
func bundled(t *testing.T) (name, addr string, advance func(time.Duration)) {
	inst := zktest.StartApache(t, zktest.Options{})
	return "apache2", inst.Addr, nil
}
