package completion

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// bigParent is a ChildSource with one node holding n children.
type bigParent struct{ children []Child }

func (b *bigParent) Children(ctx context.Context, p string) ([]Child, error) {
	if p == "/big" {
		return b.children, nil
	}
	return []Child{{Name: "big", HasChildren: true}}, nil
}

// BenchmarkCompleteCached10k measures keystroke → suggestions under /big, a node with 10,000 children,
// once its children are cached; it reports the 99th percentile latency of one keystroke (goal ≤ 20 ms).
func BenchmarkCompleteCached10k(b *testing.B) {
	src := &bigParent{}
	for i := range 10000 {
		src.children = append(src.children, Child{Name: fmt.Sprintf("node-%05d", i), HasChildren: i%3 == 0})
	}
	updated := make(chan string, 10)
	cache := NewCache(src, CacheOptions{TTL: time.Hour, OnUpdate: func(p string) { updated <- p }})
	defer cache.Close()
	cache.Lookup("/big")
	<-updated
	c := &Completer{Spec: testSpec, Cache: cache}
	// Keystrokes typing a path under /big: "get /big/", "get /big/n", ... "get /big/node-01234".
	var lines []string
	for _, name := range []string{"node-01234", "node-9", "x"} {
		for i := 0; i <= len(name); i++ {
			lines = append(lines, "get /big/"+name[:i])
		}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		line := lines[i%len(lines)]
		start := time.Now()
		res := c.Complete(line, len(line), "/")
		lat = append(lat, time.Since(start))
		if line == "get /big/" && len(res.Suggestions) != DefaultLimit {
			b.Fatalf("%d suggestions for %q", len(res.Suggestions), line)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	p99 := lat[len(lat)*99/100]
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	if p99 > 20*time.Millisecond {
		b.Errorf("p99 %v > 20ms", p99)
	}
}

// countedBigParent lists /big by name only and counts grandchildren on request, as the shell's source
// does for parents with many children.
type countedBigParent struct{ bigParent }

func (b *countedBigParent) Children(ctx context.Context, p string) ([]Child, error) {
	out, err := b.bigParent.Children(ctx, p)
	if p == "/big" {
		out = slices.Clone(out)
		for i := range out {
			out[i].HasChildren, out[i].Unknown = false, true
		}
	}
	return out, err
}

func (b *countedBigParent) HasChildren(_ context.Context, _ string, names []string) (map[string]bool, error) {
	has := map[string]bool{}
	for _, n := range names {
		has[n] = n[len(n)-1]%3 == 0
	}
	return has, nil
}

// BenchmarkCompleteCounted10k is BenchmarkCompleteCached10k with the children's "/" counted where
// shown (each keystroke also asks for the shown children not counted yet).
func BenchmarkCompleteCounted10k(b *testing.B) {
	src := &countedBigParent{}
	for i := range 10000 {
		src.children = append(src.children, Child{Name: fmt.Sprintf("node-%05d", i)})
	}
	cache := NewCache(src, CacheOptions{TTL: time.Hour})
	defer cache.Close()
	cache.Lookup("/big")
	for cache.Pending() {
		time.Sleep(time.Millisecond)
	}
	c := &Completer{Spec: testSpec, Cache: cache}
	var lines []string
	for _, name := range []string{"node-01234", "node-9", "node-5", "x"} {
		for i := 0; i <= len(name); i++ {
			lines = append(lines, "get /big/"+name[:i])
		}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		line := lines[i%len(lines)]
		start := time.Now()
		c.Complete(line, len(line), "/")
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	p99 := lat[len(lat)*99/100]
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	if p99 > 20*time.Millisecond {
		b.Errorf("p99 %v > 20ms", p99)
	}
}
