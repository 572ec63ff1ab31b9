//go:build unix

package shell

import (
	"reflect"
	"testing"
)

func TestKeyLen(t *testing.T) {
	tests := []struct {
		in   string
		keys []string
	}{
		{"get /ap", []string{"get /ap"}},
		{"g\t", []string{"g", "\t"}},
		{"pw\x7fwd\r", []string{"pw", "\x7f", "wd", "\r"}},
		{"\x1b[Aab", []string{"\x1b[A", "ab"}},
		{"\x1b[1;5Cx", []string{"\x1b[1;5C", "x"}},
		{"\x1bOAq", []string{"\x1bOA", "q"}},
		{"\x1bbx", []string{"\x1bb", "x"}},
		{"\x1b", []string{"\x1b"}},
		{"\x1b[", []string{"\x1b["}},
		{"\x03pwd", []string{"\x03", "pwd"}},
		{"héllo\x04", []string{"héllo", "\x04"}},
	}
	for _, tt := range tests {
		var got []string
		for p := []byte(tt.in); len(p) > 0; {
			n := keyLen(p)
			got = append(got, string(p[:n]))
			p = p[n:]
		}
		if !reflect.DeepEqual(got, tt.keys) {
			t.Errorf("%q split into %q, want %q", tt.in, got, tt.keys)
		}
	}
}
