package shell

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"

	prompt "github.com/elk-language/go-prompt"
	istrings "github.com/elk-language/go-prompt/strings"

	"github.com/zksh/zksh/internal/cmdline"
)

// historyCap is how many lines the history file keeps; it is compacted when it grows to twice that.
const historyCap = 1000

// historyLineMax bounds a line kept in history: a longer one (pasted data) is run but not recorded.
const historyLineMax = 64 << 10

// history is the command history, one line per entry, in $XDG_STATE_HOME/zksh/history. Every session
// appends its lines as they are run, so sessions share it; entries are numbered from 1 in file order.
type history struct {
	path string // "" when there is no home directory: history lives in memory only
	mem  []string
}

// historyPath returns $XDG_STATE_HOME/zksh/history, else ~/.local/state/zksh/history, else "".
func historyPath(getenv func(string) string) string {
	if d := getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "zksh", "history")
	}
	home := getenv("HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		home = h
	}
	return filepath.Join(home, ".local", "state", "zksh", "history")
}

// entries returns the history as it is now (other sessions' lines included), oldest first, at most
// historyCap of them.
func (h *history) entries() []string {
	if h.path == "" {
		return tail(h.mem, historyCap)
	}
	f, err := os.Open(h.path)
	if err != nil {
		return tail(h.mem, historyCap)
	}
	defer f.Close()
	var lines []string
	br := bufio.NewReaderSize(f, historyLineMax+1)
	for {
		l, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// Longer than any line add writes: skip it, read on.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			if err != nil {
				break
			}
			continue
		}
		if l := strings.TrimSuffix(string(l), "\n"); l != "" {
			lines = append(lines, l)
		}
		if err != nil {
			break
		}
	}
	return tail(lines, historyCap)
}

func tail(s []string, n int) []string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// add records a line that was run. Lines holding credentials are kept out of it (and out of the arrow
// keys' history: see promptHistory), and so are lines too long to be typed again.
func (h *history) add(line string) {
	line = strings.TrimSpace(line)
	if !recordable(line) {
		return
	}
	h.mem = append(h.mem, line)
	if h.path == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(h.path), 0o700); err != nil {
		return
	}
	f, err := os.OpenFile(h.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	// One write per line: O_APPEND keeps concurrent sessions' lines whole.
	_, err = f.WriteString(line + "\n")
	f.Close()
	if err == nil {
		h.compact()
	}
}

// compact rewrites the file with its last historyCap lines once it holds twice that many.
func (h *history) compact() {
	fi, err := os.Stat(h.path)
	if err != nil || fi.Size() < 2*historyCap*8 { // cheap pre-check: lines are rarely shorter than 8 bytes
		return
	}
	data, err := os.ReadFile(h.path)
	if err != nil {
		return
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) < 2*historyCap {
		return
	}
	tmp := h.path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strings.Join(tail(lines, historyCap), "\n")+"\n"), 0o600); err != nil {
		return
	}
	if err := os.Rename(tmp, h.path); err != nil {
		os.Remove(tmp)
	}
}

// recordable reports whether a line may be kept in history: one line, not too long, no credentials.
func recordable(line string) bool {
	return line != "" && len(line) <= historyLineMax && !strings.ContainsAny(line, "\n\r") && !holdsCredentials(line)
}

// holdsCredentials reports whether a line carries a secret: addauth, --auth, or a digest user:password.
// It judges the words the command would get (quotes removed, as cmdline splits them) and, in case the
// line cannot be split, the blank-separated fields with their quotes trimmed too.
func holdsCredentials(line string) bool {
	var words []string
	for _, w := range cmdline.Scan(line) {
		words = append(words, w.Value)
	}
	for _, f := range strings.Fields(line) {
		words = append(words, strings.Trim(f, `"'`))
	}
	for _, w := range words {
		switch {
		case strings.Contains(w, "addauth"): // "pwd;addauth digest u:p" holds a password too
			return true
		case w == "--auth" || w == "-auth" || strings.HasPrefix(w, "--auth=") || strings.HasPrefix(w, "-auth="):
			return true
		case strings.Contains(w, "digest:"):
			// digest:user:password (auth) or digest:user:hash:perms (an ACL): keep both out.
			return true
		}
	}
	return false
}

// promptHistory is the terminal's arrow-key history (go-prompt's HistoryInterface): go-prompt adds every
// line entered, so lines history does not keep (credentials) are dropped here, before they can come back
// with Up.
type promptHistory struct {
	lines    []string
	tmp      []string // the entries being walked, the line being typed last; edits survive walking
	selected int
}

func newPromptHistory(lines []string) *promptHistory {
	h := &promptHistory{}
	for _, l := range lines {
		if recordable(l) {
			h.lines = append(h.lines, l)
		}
	}
	h.lines = tail(h.lines, historyCap)
	h.Clear()
	return h
}

func (h *promptHistory) Add(line string) {
	if recordable(strings.TrimSpace(line)) {
		h.lines = append(h.lines, line)
		if len(h.lines) > historyCap {
			h.lines = slices.Clone(tail(h.lines, historyCap))
		}
	}
	h.Clear()
}

// Clear ends a walk through the history (go-prompt calls it after a line and on Ctrl-C).
func (h *promptHistory) Clear() {
	h.tmp = append(slices.Clone(h.lines), "")
	h.selected = len(h.tmp) - 1
}

func (h *promptHistory) Older(buf *prompt.Buffer, cols istrings.Width, rows int) (*prompt.Buffer, bool) {
	if h.selected == 0 {
		return buf, false
	}
	return h.move(buf, -1, cols, rows), true
}

func (h *promptHistory) Newer(buf *prompt.Buffer, cols istrings.Width, rows int) (*prompt.Buffer, bool) {
	if h.selected >= len(h.tmp)-1 {
		return buf, false
	}
	return h.move(buf, 1, cols, rows), true
}

func (h *promptHistory) move(buf *prompt.Buffer, by int, cols istrings.Width, rows int) *prompt.Buffer {
	h.tmp[h.selected] = buf.Text()
	h.selected += by
	b := prompt.NewBuffer()
	b.InsertTextMoveCursor(h.tmp[h.selected], cols, rows, false)
	return b
}

func (h *promptHistory) Get(i int) (string, bool) {
	if i < 0 || i >= len(h.lines) {
		return "", false
	}
	return h.lines[i], true
}

func (h *promptHistory) Entries() []string { return h.lines }

func (h *promptHistory) DeleteAll() {
	h.lines = nil
	h.Clear()
}
