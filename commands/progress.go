package commands

import (
	"fmt"
	"sync"
	"time"
)

// progress shows how far a long operation got, on stderr, only when stderr is a terminal.
type progress struct {
	env    *Env
	op     string
	format string
	mu     sync.Mutex
	last   time.Time
	shown  bool
}

func (e *Env) progress(op, format string) *progress {
	return &progress{env: e, op: op, format: format}
}

// update redraws the line at most ten times a second.
func (p *progress) update(n int) {
	if !p.env.IO.ErrTTY {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	p.shown = true
	fmt.Fprintf(p.env.IO.ErrOut, "\r\033[K%s: "+p.format, p.op, n)
}

// done clears the progress line.
func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.env.IO.ErrOut, "\r\033[K")
		p.shown = false
	}
}
