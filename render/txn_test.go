package render

import (
	"bytes"
	"testing"
)

// TestTxn: every format shows the same facts, one result per operation: the created path, the new
// data version of a set, the version a check required.
func TestTxn(t *testing.T) {
	results := []TxnResult{
		{Op: "create", Path: "/q/item-", Created: "/q/item-0000000007"},
		{Op: "set", Path: "/conf", Version: 4},
		{Op: "delete", Path: "/old"},
		{Op: "check", Path: "/lock", Version: 0},
	}
	for _, tc := range []struct {
		f    Format
		want string
	}{
		{Plain, "create /q/item-0000000007\nset /conf 4\ndelete /old\ncheck /lock 0\n"},
		{Table, "OP      PATH                VERSION\ncreate  /q/item-0000000007\nset     /conf               4\ndelete  /old\ncheck   /lock               0\n"},
		{JSON, `{"results":[{"op":"create","path":"/q/item-","created":"/q/item-0000000007"},{"op":"set","path":"/conf","version":4},` +
			`{"op":"delete","path":"/old"},{"op":"check","path":"/lock","version":0}]}` + "\n"},
	} {
		got := print(t, tc.f, false, func(p Printer, w *bytes.Buffer) error { return p.Txn(w, results) })
		if got != tc.want {
			t.Errorf("%s:\n%q\nwant\n%q", tc.f, got, tc.want)
		}
	}
}
