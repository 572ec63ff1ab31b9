package render

import (
	"io"
	"strconv"
	"strings"
)

// TxnResult is what one operation of a committed transaction (txn) did.
type TxnResult struct {
	Op      string // create, set, delete, check
	Path    string // the path the operation named
	Created string // create: the path created (with its sequence number for -s)
	Version int32  // set: the new data version; check: the version checked
}

// TxnRows are the rows every format shows: operation, path (the created one for create) and, for set
// and check, the data version.
func TxnRows(results []TxnResult) [][]string {
	rows := make([][]string, 0, len(results))
	for _, r := range results {
		row := []string{r.Op, r.Path, ""}
		switch r.Op {
		case "create":
			row[1] = r.Created
		case "set", "check":
			row[2] = strconv.Itoa(int(r.Version))
		}
		rows = append(rows, row)
	}
	return rows
}

// Txn prints one line per operation: "create /a/q-0000000003", "set /a/config 4", "delete /a/old",
// "check /a/lock 2".
func (p plainPrinter) Txn(w io.Writer, results []TxnResult) error {
	var b strings.Builder
	for _, row := range TxnRows(results) {
		b.WriteString(strings.TrimSuffix(strings.Join(row, " "), " "))
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Txn prints an aligned table with a header.
func (p tablePrinter) Txn(w io.Writer, results []TxnResult) error {
	t := newTable(w)
	t.Header([]string{"OP", "PATH", "VERSION"})
	for _, row := range TxnRows(results) {
		if err := t.Append(row); err != nil {
			return err
		}
	}
	return t.Render()
}

type txnResultJSON struct {
	Op      string `json:"op"`
	Path    string `json:"path"`
	Created string `json:"created,omitempty"`
	Version *int32 `json:"version,omitempty"`
}

// Txn prints {"results":[{"op":"create","path":"/a/q-","created":"/a/q-0000000003"},
// {"op":"set","path":"/a/config","version":4},...]}.
func (p jsonPrinter) Txn(w io.Writer, results []TxnResult) error {
	out := make([]txnResultJSON, 0, len(results))
	for _, r := range results {
		j := txnResultJSON{Op: r.Op, Path: r.Path, Created: r.Created}
		if r.Op == "set" || r.Op == "check" {
			v := r.Version
			j.Version = &v
		}
		out = append(out, j)
	}
	return writeJSON(w, struct {
		Results []txnResultJSON `json:"results"`
	}{out})
}
