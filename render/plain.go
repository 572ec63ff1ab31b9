package render

import (
	"bufio"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/go-zookeeper/zk"
)

// plainPrinter prints what zkCli prints, for scripts moving from zkCli.sh.
type plainPrinter struct{ o Options }

func (p plainPrinter) data(w io.Writer, n Node) error {
	switch {
	case n.Encoding == Base64:
		_, err := fmt.Fprintln(w, base64.StdEncoding.EncodeToString(n.Data))
		return err
	case n.Encoding == HexDump || (p.o.TTY && !Printable(n.Data)):
		_, err := io.WriteString(w, hex.Dump(n.Data))
		return err
	case n.Data == nil:
		_, err := fmt.Fprintln(w, "null")
		return err
	}
	if _, err := w.Write(n.Data); err != nil {
		return err
	}
	if n.Alone && !n.ShowStat && !Printable(n.Data) {
		return nil // binary off a terminal: exactly the bytes, so that get > file round-trips
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func (p plainPrinter) Node(w io.Writer, n Node) error {
	if err := p.data(w, n); err != nil {
		return err
	}
	if n.ShowStat {
		return p.Stat(w, n.Path, n.Stat)
	}
	return nil
}

func (p plainPrinter) Children(w io.Writer, c Children) error {
	if _, err := fmt.Fprintf(w, "[%s]\n", strings.Join(c.Names, ", ")); err != nil {
		return err
	}
	if c.ShowStat {
		return p.Stat(w, c.Path, c.Stat)
	}
	return nil
}

func (p plainPrinter) Listing(w io.Writer, l Listing) error {
	for _, row := range LongRows(l.Entries, RFC3339, "0x0") {
		if _, err := fmt.Fprintln(w, strings.Join(row, "\t")); err != nil {
			return err
		}
	}
	return nil
}

func (p plainPrinter) Tree(w io.Writer, t Tree) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, path := range t.Paths {
		bw.WriteString(path)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

func (p plainPrinter) Stat(w io.Writer, _ string, st *zk.Stat) error {
	for _, f := range StatFields(st, p.o.Location) {
		if _, err := fmt.Fprintf(w, "%s = %s\n", f.Name, f.Value); err != nil {
			return err
		}
	}
	return nil
}

func (p plainPrinter) Created(w io.Writer, path string) error {
	_, err := fmt.Fprintln(w, path)
	return err
}

func (p plainPrinter) ACL(w io.Writer, a ACL) error {
	for _, e := range a.ACL {
		if _, err := fmt.Fprintf(w, "'%s,'%s\n: %s\n", e.Scheme, e.ID, PermString(e.Perms)); err != nil {
			return err
		}
	}
	if a.ShowStat {
		return p.Stat(w, a.Path, a.Stat)
	}
	return nil
}

// ACLs writes one line per znode: its path, a tab, and its ACL as setAcl takes it, so that a line
// can be searched with grep and cut apart at the tab (a path may hold spaces; an x509 ID too).
func (p plainPrinter) ACLs(w io.Writer, t ACLTree) error {
	bw := bufio.NewWriter(w)
	for _, n := range t.Nodes {
		bw.WriteString(n.Path)
		bw.WriteByte('\t')
		bw.WriteString(ACLText(n.ACL))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// EventLine is how a watch event reads in plain and table output.
func EventLine(e Event) string {
	s := "WATCHER: " + e.Type + " " + e.Path
	if !e.Time.IsZero() { // a watch stream's line: time, type, path
		s = e.Time.Format(EventTimeLayout) + " " + e.Type + " " + e.Path
	}
	if e.Err != "" {
		s += " (" + e.Err + ")"
	}
	return s
}

func (p plainPrinter) Event(w io.Writer, e Event) error {
	_, err := fmt.Fprintln(w, EventLine(e))
	return err
}

func (p plainPrinter) Count(w io.Writer, _ string, _ string, n int) error {
	_, err := fmt.Fprintln(w, n)
	return err
}

func (p plainPrinter) Message(w io.Writer, _ string, text string) error {
	_, err := fmt.Fprintln(w, text)
	return err
}

func (p plainPrinter) Deleted(io.Writer, string, int) error { return nil }

// Identities prints zkCli's whoami text: a heading, then one "scheme: user" line per identity.
func (p plainPrinter) Identities(w io.Writer, ids []Identity) error {
	var b strings.Builder
	b.WriteString("Auth scheme: User\n")
	for _, id := range ids {
		fmt.Fprintf(&b, "%s: %s\n", id.Scheme, id.User)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (p plainPrinter) Version(w io.Writer, b Build) error {
	_, err := fmt.Fprintf(w, "zksh version %s (%s %s/%s)\n", b.Version, b.Go, b.OS, b.Arch)
	return err
}
