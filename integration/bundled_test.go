package integration

import (
	"testing"

	"github.com/zksh/zksh/internal/zktest"
)

// bundledTarget: until the bundled server lands, a second Apache instance
// stands in, which proves the normalization (Apache vs Apache must agree).
func bundledTarget(t *testing.T) *target {
	inst := zktest.StartApache(t, zktest.Options{})
	return apacheTarget(t, "apache2", inst.Addr)
}
