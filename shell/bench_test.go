//go:build unix

package shell

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	prompt "github.com/elk-language/go-prompt"

	"github.com/zksh/zksh/commands"
	"github.com/zksh/zksh/completion"
)

// renderWatch is a go-prompt Writer that reports the flush of a render showing the awaited text.
type renderWatch struct {
	prompt.VT100Writer
	mu    sync.Mutex
	want  string
	seen  bool
	shown chan struct{}
}

func (w *renderWatch) await(text string) {
	w.mu.Lock()
	w.want, w.seen = text, false
	w.mu.Unlock()
}

func (w *renderWatch) WriteString(s string) (int, error) {
	w.mu.Lock()
	if w.want != "" && strings.Contains(s, w.want) {
		w.seen = true
	}
	w.mu.Unlock()
	return w.VT100Writer.WriteString(s)
}

func (w *renderWatch) Flush() error {
	w.mu.Lock()
	hit := w.seen
	if hit {
		w.want, w.seen = "", false
	}
	w.VT100Writer = prompt.VT100Writer{} // drop what was "written"
	w.mu.Unlock()
	if hit {
		w.shown <- struct{}{}
	}
	return nil
}

type bigNode struct{}

func (bigNode) Children(_ context.Context, p string) ([]completion.Child, error) {
	if p != "/big" {
		return []completion.Child{{Name: "big", HasChildren: true}}, nil
	}
	out := make([]completion.Child, 10000)
	for i := range out {
		out[i] = completion.Child{Name: fmt.Sprintf("node-%05d", i)}
	}
	return out, nil
}

// BenchmarkKeystrokeToSuggestions10k measures, through go-prompt itself, the time from a key press to
// the render that shows the new suggestions, under a cached node with 10,000 children: the key is written
// to a pseudo-terminal, read by the shell's reader, completed and rendered. It reports the 50th and 99th
// percentiles (goal: p99 ≤ 20 ms). Run it with -benchtime 500x: each key waits for the previous render.
func BenchmarkKeystrokeToSuggestions10k(b *testing.B) {
	cache := completion.NewCache(bigNode{}, completion.CacheOptions{TTL: time.Hour})
	defer cache.Close()
	cache.Lookup("/big")
	for cache.Pending() {
		time.Sleep(time.Millisecond)
	}
	t := &terminal{
		env:       &commands.Env{Cwd: "/"},
		completer: &completion.Completer{Spec: completion.Spec{Commands: []completion.Command{{Name: "get", PathArgs: []int{0}}}}, Cache: cache},
	}
	t.keys = make(chan []byte, 16)
	// Keys are typed into a pseudo-terminal that the shell's reader reads, as in the REPL.
	ptm, tty, err := pty.Open()
	if err != nil {
		b.Fatal(err)
	}
	defer ptm.Close()
	defer tty.Close()
	reader := newTTYReader(t, func() (int, error) { return syscall.Dup(int(tty.Fd())) })
	out := &renderWatch{shown: make(chan struct{}, 1)}
	p := prompt.New(func(string) {},
		prompt.WithReader(reader),
		prompt.WithWriter(out),
		prompt.WithCompleter(t.complete),
		prompt.WithInterruptCallback(func(*prompt.Prompt, os.Signal) {}),
	)
	exited := make(chan struct{})
	go func() { defer close(exited); p.Run() }()

	press := func(key, want string) time.Duration {
		// Keys come 20-60 ms apart (faster than anyone types), at random so that they do not fall in step
		// with go-prompt's reading loop, which sleeps 10 ms after each read.
		time.Sleep(20*time.Millisecond + time.Duration(rand.Int64N(int64(40*time.Millisecond))))
		out.await(want)
		start := time.Now()
		if _, err := ptm.Write([]byte(key)); err != nil {
			b.Fatal(err)
		}
		select {
		case <-out.shown:
		case <-time.After(5 * time.Second):
			b.Fatalf("no render showing %q after %q", want, key)
		}
		return time.Since(start)
	}
	for _, r := range "get /big/node-0" {
		press(string(r), string(r))
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			lat = append(lat, press("1", "/big/node-01000"))
		} else {
			lat = append(lat, press("\x7f", "/big/node-00000")) // Backspace
		}
	}
	b.StopTimer()
	ptm.Write([]byte{0x15}) // Ctrl-U: clear the line
	time.Sleep(50 * time.Millisecond)
	ptm.Write([]byte{0x04}) // Ctrl-D: leave
	<-exited
	slices.Sort(lat)
	p99 := lat[len(lat)*99/100]
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.Logf("p50 %v p90 %v p99 %v max %v", lat[len(lat)/2], lat[len(lat)*9/10], p99, lat[len(lat)-1])
	if p99 > 20*time.Millisecond {
		b.Errorf("p99 %v > 20ms", p99)
	}
}
