package cmdline

import (
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		line string
		want []string
	}{
		// Stored exactly as typed, as zkCli stores them (no shell escapes, separators or comments).
		{`set /cfg {"a":1}`, []string{"set", "/cfg", `{"a":1}`}},
		{`set /p C:\path\to`, []string{"set", "/p", `C:\path\to`}},
		{`set /re ^\d+$`, []string{"set", "/re", `^\d+$`}},
		{`set /x foo;bar`, []string{"set", "/x", "foo;bar"}},
		{`set /x a # b`, []string{"set", "/x", "a", "#", "b"}},
		{`set /x $HOME`, []string{"set", "/x", "$HOME"}},
		{`set /x a\ b`, []string{"set", "/x", `a\`, "b"}},
		// Quotes open a word only at its start; inside a word they are ordinary characters.
		{`set /x "hello world"`, []string{"set", "/x", "hello world"}},
		{`set /x 'it "is"'`, []string{"set", "/x", `it "is"`}},
		{`set /x "it's"`, []string{"set", "/x", "it's"}},
		{`set /x a"b c'd`, []string{"set", "/x", `a"b`, "c'd"}},
		{`set /x "a\"`, []string{"set", "/x", `a\`}},
		{`create /e ""`, []string{"create", "/e", ""}},
		{`create /e '' x`, []string{"create", "/e", "", "x"}},
		{"\t ls  \t/a \f\v\r", []string{"ls", "/a"}},
		{"  ", []string{}},
		{"", []string{}},
		{"get /\u00e9l\u00e8ve", []string{"get", "/\u00e9l\u00e8ve"}},
		{"get /a\u00a0b", []string{"get", "/a\u00a0b"}}, // only ASCII blanks separate, as in Java's \s
	}
	for _, tt := range tests {
		got, err := Split(tt.line)
		if err != nil {
			t.Errorf("Split(%q): %v", tt.line, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Split(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

func TestSplitRefusesWhatZkCliWouldAlter(t *testing.T) {
	tests := []struct {
		line    string
		col     int
		follow  string
		message string
	}{
		{`set /x "abc`, 8, "", "the \" at column 8 is never closed"},
		{`set /x 'a b`, 8, "", "the ' at column 8 is never closed"},
		{`set /x "a" "b`, 12, "", "column 12"},
		{`set /x "a b"c`, 12, "c", `runs on into "c"`},
		{`set /x 'a''b'`, 10, "'b'", `runs on into "'b'"`},
	}
	for _, tt := range tests {
		_, err := Split(tt.line)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Split(%q): error %v, want *Error", tt.line, err)
			continue
		}
		if e.Column != tt.col || e.Follow != tt.follow || !strings.Contains(e.Error(), tt.message) {
			t.Errorf("Split(%q): %+v %q, want column %d, follow %q, message with %q", tt.line, e, e, tt.col, tt.follow, tt.message)
		}
	}
}

func TestScanOffsets(t *testing.T) {
	got := Scan(`get "/a b"x 'c`)
	want := []Word{
		{Start: 0, End: 3, Value: "get", Closed: true},
		{Start: 4, End: 10, Value: "/a b", Quote: '"', Closed: true},
		{Start: 10, End: 11, Value: "x", Closed: true},
		{Start: 12, End: 14, Value: "c", Quote: '\''},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Scan = %+v\nwant %+v", got, want)
	}
}

// Splitting reads each byte once (see next): a 3 MB line (a 300 KB one took 13 s with the POSIX
// splitter) splits in a fraction of a second whatever its shape. The bound is generous, for -race on a
// busy machine; a quadratic splitter takes minutes.
func TestSplitHugeLinesIsLinear(t *testing.T) {
	const size = 3 << 20
	for name, line := range map[string]string{
		"one word":       "set /x " + strings.Repeat("a", size),
		"many words":     "set /x " + strings.Repeat("a ", size/2),
		"quoted":         `set /x "` + strings.Repeat("a b ", size/4) + `"`,
		"mixed quotes":   "set /x " + strings.Repeat(`'a"' "b'" `, size/10),
		"backslashes":    "set /x " + strings.Repeat(`\`, size),
		"semicolons":     "set /x " + strings.Repeat(";", size),
		"unclosed quote": `set /x "` + strings.Repeat("a", size),
	} {
		start := time.Now()
		words, err := Split(line)
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("%s: %v for %d bytes", name, d, len(line))
		}
		if err == nil && len(words) < 3 {
			t.Errorf("%s: %d words", name, len(words))
		}
	}
}

func BenchmarkSplit3MB(b *testing.B) {
	line := "set /x " + strings.Repeat(`a "b c" 'd' e\f;g `, 3<<20/18)
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if _, err := Split(line); err != nil {
			b.Fatal(err)
		}
	}
}

// zkCliWords splits a line as zkCli 3.8/3.9's ZooKeeperMain does: find every match of
// \s*([^"']\S*|"[^"]*"|'[^']*')\s* (Java's \s is [ \t\n\x0B\f\r]) and drop a quoted word's quotes.
// It is a model written from that rule, to check Split against.
var zkCliArg = regexp.MustCompile(`[ \t\n\x0B\f\r]*([^"' \t\n\x0B\f\r][^ \t\n\x0B\f\r]*|"[^"]*"|'[^']*')[ \t\n\x0B\f\r]*`)

func zkCliWords(line string) []string {
	var words []string
	for _, m := range zkCliArg.FindAllStringSubmatch(line, -1) {
		w := m[1]
		if len(w) >= 2 && (w[0] == '"' || w[0] == '\'') && w[len(w)-1] == w[0] {
			w = w[1 : len(w)-1]
		}
		words = append(words, w)
	}
	return words
}

// FuzzSplitAgreesWithZkCli: whatever Split accepts it splits exactly as zkCli does; what it refuses
// holds a quote, the only character whose handling in zkCli can alter what was typed.
func FuzzSplitAgreesWithZkCli(f *testing.F) {
	for _, s := range []string{`set /cfg {"a":1}`, `set /p C:\path\to`, `set /x foo;bar`, `get "/a b"`, `x 'y' "z"`, `"a b"c`, `"abc`, "a\tb\x0bc", `''`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		words, err := Split(line)
		if err != nil {
			if !strings.ContainsAny(line, `"'`) {
				t.Fatalf("Split(%q) refused a line without quotes: %v", line, err)
			}
			return
		}
		if want := zkCliWords(line); !slices.Equal(words, want) && !(len(words) == 0 && len(want) == 0) {
			t.Fatalf("Split(%q) = %q, zkCli splits it as %q", line, words, want)
		}
	})
}
