package shell

import (
	"bufio"
	"io"
)

// scriptSource reads lines from a reader (a pipe or a file). The reading happens in a goroutine so that
// an interrupt between commands ends the script even while the reader blocks.
type scriptSource struct {
	lines   chan string
	aborted <-chan struct{}
	want    chan struct{}
	done    chan struct{} // closed when the input ended
}

func newScriptSource(r io.Reader, aborted <-chan struct{}) *scriptSource {
	s := &scriptSource{lines: make(chan string), aborted: aborted, want: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		br := bufio.NewReader(r)
		for range s.want {
			line, err := br.ReadString('\n')
			if line != "" {
				if line[len(line)-1] == '\n' {
					line = line[:len(line)-1]
				}
				if n := len(line); n > 0 && line[n-1] == '\r' {
					line = line[:n-1]
				}
				s.lines <- line
			}
			if err != nil {
				return
			}
		}
	}()
	return s
}

// Next returns the next line; the reader reads only when asked, so nothing is read past the end of an
// interrupted script.
func (s *scriptSource) Next() (string, bool) {
	select {
	case s.want <- struct{}{}:
	case <-s.done:
		return "", false
	case <-s.aborted:
		return "", false
	}
	select {
	case l := <-s.lines:
		return l, true
	case <-s.done:
		return "", false
	case <-s.aborted:
		return "", false
	}
}
