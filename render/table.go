package render

import (
	"bytes"
	"io"
	"strings"

	"github.com/go-zookeeper/zk"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// tablePrinter prints aligned tables for people at a terminal; results that are not tabular read as
// in plain output.
type tablePrinter struct{ plainPrinter }

// table is an aligned table without borders: columns separated by two spaces, no trailing blanks.
type table struct {
	*tablewriter.Table
	buf bytes.Buffer
	w   io.Writer
}

func newTable(w io.Writer) *table {
	t := &table{w: w}
	t.Table = tablewriter.NewTable(&t.buf,
		tablewriter.WithRendition(tw.Rendition{
			Borders: tw.BorderNone,
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenRows: tw.Off, BetweenColumns: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off},
			},
		}),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: "  ", Overwrite: true}),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithTrimSpace(tw.Off),
	)
	return t
}

// Render writes the table to its writer.
func (t *table) Render() error {
	if err := t.Table.Render(); err != nil {
		return err
	}
	for _, line := range strings.SplitAfter(t.buf.String(), "\n") {
		if line == "" {
			continue
		}
		if _, err := io.WriteString(t.w, strings.TrimRight(line, " \n")+"\n"); err != nil {
			return err
		}
	}
	return nil
}

func (p tablePrinter) when(ms int64) string {
	return timeIn(ms, p.o).Format("2006-01-02 15:04:05")
}

func (p tablePrinter) Stat(w io.Writer, _ string, st *zk.Stat) error {
	t := newTable(w)
	for _, f := range StatFields(st, p.o.Location) {
		if err := t.Append([]string{f.Name, f.Value}); err != nil {
			return err
		}
	}
	return t.Render()
}

func (p tablePrinter) Node(w io.Writer, n Node) error {
	if err := p.data(w, n); err != nil {
		return err
	}
	if n.ShowStat {
		return p.Stat(w, n.Path, n.Stat)
	}
	return nil
}

func (p tablePrinter) Children(w io.Writer, c Children) error {
	for _, name := range c.Names {
		if _, err := io.WriteString(w, name+"\n"); err != nil {
			return err
		}
	}
	if c.ShowStat {
		return p.Stat(w, c.Path, c.Stat)
	}
	return nil
}

func (p tablePrinter) Listing(w io.Writer, l Listing) error {
	t := newTable(w)
	t.Header(LongHeader)
	if err := t.Bulk(LongRows(l.Entries, p.when, "-")); err != nil {
		return err
	}
	return t.Render()
}

func (p tablePrinter) ACLs(w io.Writer, t ACLTree) error {
	tw := newTable(w)
	tw.Header([]string{"PATH", "SCHEME", "ID", "PERMS"})
	for _, n := range t.Nodes {
		for _, e := range n.ACL {
			if err := tw.Append([]string{n.Path, e.Scheme, e.ID, PermString(e.Perms)}); err != nil {
				return err
			}
		}
	}
	return tw.Render()
}

func (p tablePrinter) ACL(w io.Writer, a ACL) error {
	t := newTable(w)
	t.Header([]string{"SCHEME", "ID", "PERMS"})
	for _, e := range a.ACL {
		if err := t.Append([]string{e.Scheme, e.ID, PermString(e.Perms)}); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	if a.ShowStat {
		return p.Stat(w, a.Path, a.Stat)
	}
	return nil
}
