package render

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The results of the search and inspection commands: find, grep, tree and du.

// Found is what find prints: the matching paths, in the order to print them.
type Found struct {
	Path  string // where the search started
	Paths []string
	NUL   bool // -print0: each path ends with a NUL byte instead of a newline (plain and table)
}

// GrepMode says what grep prints of its hits.
type GrepMode int

// GrepLines prints "path: line" per matching line, GrepNames the paths alone (-l), GrepCounts
// "path: N" (-c).
const (
	GrepLines GrepMode = iota
	GrepNames
	GrepCounts
)

// GrepHit is one znode with matching lines.
type GrepHit struct {
	Path  string
	Lines []string // the matching lines (GrepLines only)
	Count int      // how many lines matched
}

// Grep is what grep prints: the znodes with matching lines, in the order to print them.
type Grep struct {
	Path string
	Mode GrepMode
	Hits []GrepHit
}

// TreeNode is one znode of a drawn tree.
type TreeNode struct {
	Name        string // the root's is its path
	Path        string
	NumChildren int   // from the stat: all children, also those not drawn (below -L)
	Bytes       int64 // data length
	Children    []*TreeNode
	Unlisted    bool // the session may not list its children
}

// DrawnTree is what tree prints.
type DrawnTree struct {
	Root     *TreeNode
	ShowSize bool // -s: child counts and data sizes
}

// UsageRow is one subtree du reports: its data bytes and znode count, the root of it included.
type UsageRow struct {
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
	Nodes int    `json:"nodes"`
}

// Usage is what du prints: subtrees, largest first.
type Usage struct {
	Path  string
	Rows  []UsageRow
	Human bool // -h: sizes as 1.5K, 20M
}

func (p plainPrinter) Found(w io.Writer, f Found) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	end := byte('\n')
	if f.NUL {
		end = 0
	}
	for _, path := range f.Paths {
		bw.WriteString(path)
		bw.WriteByte(end)
	}
	return bw.Flush()
}

func (p plainPrinter) Grep(w io.Writer, g Grep) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, h := range g.Hits {
		switch g.Mode {
		case GrepNames:
			bw.WriteString(h.Path + "\n")
		case GrepCounts:
			fmt.Fprintf(bw, "%s: %d\n", h.Path, h.Count)
		default:
			for _, l := range h.Lines {
				if p.o.TTY && !Printable([]byte(l)) {
					l = strconv.Quote(l) // never control characters on a terminal
				}
				bw.WriteString(h.Path + ": " + l + "\n")
			}
		}
	}
	return bw.Flush()
}

// TreeLines are the lines of a drawn tree: the root's path, then each znode under its parent with
// ├── and └── (children by name), then a count of the znodes drawn.
func TreeLines(t DrawnTree) []string {
	var lines []string
	n := 0
	label := func(nd *TreeNode) string {
		n++
		s := nd.Name
		if t.ShowSize {
			s += fmt.Sprintf(" (%s, %s)", plural(nd.NumChildren, "child", "children"), plural(int(nd.Bytes), "byte", "bytes"))
		}
		if nd.Unlisted {
			s += " [children not listed: not authorized]"
		}
		return s
	}
	var walk func(nd *TreeNode, prefix string)
	walk = func(nd *TreeNode, prefix string) {
		for i, c := range nd.Children {
			branch, next := "├── ", "│   "
			if i == len(nd.Children)-1 {
				branch, next = "└── ", "    "
			}
			lines = append(lines, prefix+branch+label(c))
			walk(c, prefix+next)
		}
	}
	lines = append(lines, label(t.Root))
	walk(t.Root, "")
	return append(lines, "", plural(n, "znode", "znodes"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func (p plainPrinter) DrawTree(w io.Writer, t DrawnTree) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, l := range TreeLines(t) {
		bw.WriteString(l + "\n")
	}
	return bw.Flush()
}

// HumanBytes writes a size as du -h does: 512, 1.5K, 20M (powers of 1024).
func HumanBytes(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10)
	}
	f := float64(n)
	for _, u := range []string{"K", "M", "G", "T"} {
		f /= 1024
		if f < 1024 || u == "T" {
			if f < 10 {
				return strconv.FormatFloat(f, 'f', 1, 64) + u
			}
			return strconv.FormatFloat(f, 'f', 0, 64) + u
		}
	}
	return ""
}

// UsageRows are du's rows as text: bytes, znodes, path.
func UsageRows(u Usage) [][]string {
	rows := make([][]string, len(u.Rows))
	for i, r := range u.Rows {
		size := strconv.FormatInt(r.Bytes, 10)
		if u.Human {
			size = HumanBytes(r.Bytes)
		}
		rows[i] = []string{size, strconv.Itoa(r.Nodes), r.Path}
	}
	return rows
}

func (p plainPrinter) Usage(w io.Writer, u Usage) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, row := range UsageRows(u) {
		bw.WriteString(strings.Join(row, "\t") + "\n")
	}
	return bw.Flush()
}

func (p tablePrinter) Usage(w io.Writer, u Usage) error {
	t := newTable(w)
	t.Header("BYTES", "ZNODES", "PATH")
	for _, row := range UsageRows(u) {
		t.Append(row)
	}
	return t.Render()
}

func (p jsonPrinter) Found(w io.Writer, f Found) error {
	paths := f.Paths
	if paths == nil {
		paths = []string{}
	}
	return writeJSON(w, struct {
		Path    string   `json:"path"`
		Matches []string `json:"matches"`
	}{f.Path, paths})
}

type grepHitJSON struct {
	Path  string   `json:"path"`
	Lines []string `json:"lines,omitempty"`
	Count int      `json:"count"`
}

func (p jsonPrinter) Grep(w io.Writer, g Grep) error {
	hits := make([]grepHitJSON, len(g.Hits))
	for i, h := range g.Hits {
		hits[i] = grepHitJSON{Path: h.Path, Count: h.Count}
		if g.Mode == GrepLines {
			hits[i].Lines = h.Lines
		}
	}
	return writeJSON(w, struct {
		Path    string        `json:"path"`
		Matches []grepHitJSON `json:"matches"`
	}{g.Path, hits})
}

type treeNodeJSON struct {
	Path        string          `json:"path"`
	NumChildren int             `json:"numChildren"`
	Bytes       int64           `json:"dataLength"`
	Unlisted    bool            `json:"notListed,omitempty"`
	Children    []*treeNodeJSON `json:"children"`
}

func newTreeNodeJSON(n *TreeNode) *treeNodeJSON {
	j := &treeNodeJSON{Path: n.Path, NumChildren: n.NumChildren, Bytes: n.Bytes, Unlisted: n.Unlisted, Children: []*treeNodeJSON{}}
	for _, c := range n.Children {
		j.Children = append(j.Children, newTreeNodeJSON(c))
	}
	return j
}

func (p jsonPrinter) DrawTree(w io.Writer, t DrawnTree) error {
	return writeJSON(w, newTreeNodeJSON(t.Root))
}

func (p jsonPrinter) Usage(w io.Writer, u Usage) error {
	rows := u.Rows
	if rows == nil {
		rows = []UsageRow{}
	}
	return writeJSON(w, struct {
		Path     string     `json:"path"`
		Subtrees []UsageRow `json:"subtrees"`
	}{u.Path, rows})
}
