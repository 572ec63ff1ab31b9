//go:build !unix

package shell

import prompt "github.com/elk-language/go-prompt"

// keyReader is go-prompt's own terminal input plus the keys the shell presses.
type keyReader struct {
	prompt.Reader
	t *terminal
}

func (t *terminal) newReader() prompt.Reader {
	return &keyReader{Reader: prompt.NewStdinReader(), t: t}
}

func (r *keyReader) Read(b []byte) (int, error) {
	if k, ok := r.t.injected(); ok {
		return copy(b, k), nil
	}
	n, err := r.Reader.Read(b)
	if err != nil || n == 0 {
		return n, err
	}
	return r.t.filterKey(b, n), nil
}

// requestRedraw has go-prompt draw the prompt and the line again. Without SIGWINCH the shell presses
// wakeKey, which accepts a suggestion selected with Tab.
func (t *terminal) requestRedraw() {
	t.press(wakeKey)
}

// rawMode does nothing here: go-prompt's reader sets the terminal's mode itself.
func (t *terminal) rawMode() {}
