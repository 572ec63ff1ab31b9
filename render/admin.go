package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// MemberStatus is what one ensemble member said to srvr (status's row).
type MemberStatus struct {
	Addr        string `json:"address"`
	ID          int    `json:"id,omitempty"` // from /zookeeper/config; 0 = unknown
	Mode        string `json:"mode"`         // leader, follower, observer, standalone, down, unknown
	Zxid        string `json:"zxid,omitempty"`
	Latency     string `json:"latency,omitempty"` // min/avg/max in ms, as srvr says it
	Connections int    `json:"connections"`
	Outstanding int    `json:"outstanding"`
	NodeCount   int    `json:"nodeCount"`
	Version     string `json:"version,omitempty"`
	Error       string `json:"error,omitempty"` // why a member is down (or its mode unknown)
}

// EnsembleStatus is status's result: one row per member, and for --watch the time of the draw and
// the fields that changed since the previous draw.
type EnsembleStatus struct {
	Time    time.Time      `json:"time"`
	Members []MemberStatus `json:"members"`
	// Changed holds, per member address, the columns that changed since the last draw (--watch).
	Changed map[string][]string `json:"changed,omitempty"`
}

// StatusHeader names status's columns.
var StatusHeader = []string{"ADDRESS", "MODE", "ZXID", "LATENCY", "CONNECTIONS", "OUTSTANDING", "NODES", "VERSION"}

// StatusRows is the pure row builder for status: a column that changed since the last draw ends in
// "*"; a member down (or whose mode is unknown) shows why in place of its version.
func StatusRows(s EnsembleStatus) [][]string {
	rows := make([][]string, 0, len(s.Members))
	for _, m := range s.Members {
		row := []string{m.Addr, m.Mode, dash(m.Zxid), dash(m.Latency), "-", "-", "-", dash(m.Version)}
		if m.Mode != "down" && m.Mode != "unknown" {
			row[4], row[5], row[6] = fmt.Sprint(m.Connections), fmt.Sprint(m.Outstanding), fmt.Sprint(m.NodeCount)
		} else if m.Error != "" {
			row[7] = m.Error
		}
		for _, col := range s.Changed[m.Addr] {
			for i, h := range StatusHeader {
				if strings.EqualFold(h, col) {
					row[i] += "*"
				}
			}
		}
		rows = append(rows, row)
	}
	return rows
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// KV is one key and value of a four-letter word's reply (mntr, conf, envi).
type KV struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// FourLetterReply is one member's answer to a four-letter word.
type FourLetterReply struct {
	Member string
	Word   string
	Text   string // the reply as the server sent it
	// Pairs is the reply as keys and values (mntr, conf, envi; the AdminServer's top-level fields).
	Pairs []KV
	// Connections is cons's reply, one map per connection ("address" and the fields in brackets).
	Connections []map[string]string
	// JSON is the AdminServer's reply (--admin-url), as it sent it.
	JSON json.RawMessage
	Err  string // why the member gave no reply
}

// Quota is listquota's result: the limits and the stats zkCli reads from /zookeeper/quota.
type Quota struct {
	Path   string
	Limits QuotaValues // zookeeper_limits
	Stats  QuotaValues // zookeeper_stats
	// LimitsText and StatsText are the znodes' data formatted as zkCli prints them.
	LimitsText, StatsText string
}

// QuotaValues are one quota znode's values; -1 = not set.
type QuotaValues struct {
	Count          int64 `json:"count"`
	Bytes          int64 `json:"bytes"`
	CountHardLimit int64 `json:"countHardLimit"`
	ByteHardLimit  int64 `json:"byteHardLimit"`
}

// QuotaHeader names listquota's table columns.
var QuotaHeader = []string{"PATH", "KIND", "COUNT", "BYTES", "COUNT HARD LIMIT", "BYTE HARD LIMIT"}

// QuotaRows is the pure row builder for listquota's table.
func QuotaRows(q Quota) [][]string {
	v := func(n int64) string {
		if n < 0 {
			return "-"
		}
		return fmt.Sprint(n)
	}
	row := func(what string, q QuotaValues, hard bool) []string {
		r := []string{what, v(q.Count), v(q.Bytes), v(q.CountHardLimit), v(q.ByteHardLimit)}
		if !hard {
			r[3], r[4] = "", ""
		}
		return r
	}
	return [][]string{
		append([]string{q.Path}, row("quota", q.Limits, true)...),
		append([]string{q.Path}, row("usage", q.Stats, false)...),
	}
}

// --- plain: tab-separated rows, the replies as the servers sent them, zkCli's quota lines.

func (p plainPrinter) Status(w io.Writer, s EnsembleStatus) error {
	for _, row := range append([][]string{StatusHeader}, StatusRows(s)...) {
		if _, err := fmt.Fprintln(w, strings.Join(row, "\t")); err != nil {
			return err
		}
	}
	return nil
}

// FourLetter prints the replies; a member without one (Err) is left out, its error said on stderr,
// but with several members asked each reply is still headed by its member.
func (p plainPrinter) FourLetter(w io.Writer, rs []FourLetterReply) error {
	for _, r := range rs {
		if r.Err != "" {
			continue
		}
		if len(rs) > 1 {
			if _, err := fmt.Fprintf(w, "== %s ==\n", r.Member); err != nil {
				return err
			}
		}
		text := r.Text
		if r.JSON != nil {
			text = string(r.JSON)
		}
		if text != "" && !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		if _, err := io.WriteString(w, text); err != nil {
			return err
		}
	}
	return nil
}

func (p plainPrinter) Quota(w io.Writer, q Quota) error {
	_, err := fmt.Fprintf(w, "Output quota for %s %s\nOutput stat for %s %s\n", q.Path, q.LimitsText, q.Path, q.StatsText)
	return err
}

// --- table: aligned columns; key/value replies as a table of keys, cons as one row per connection.

func (p tablePrinter) Status(w io.Writer, s EnsembleStatus) error {
	t := newTable(w)
	t.Header(StatusHeader)
	if err := t.Bulk(StatusRows(s)); err != nil {
		return err
	}
	return t.Render()
}

// consColumns are cons's fields shown in the table, in this order.
var consColumns = []string{"address", "queued", "recved", "sent", "sid", "lop", "est", "to", "lcxid", "lzxid", "lresp", "llat", "minlat", "avglat", "maxlat"}

func (p tablePrinter) FourLetter(w io.Writer, rs []FourLetterReply) error {
	multi := len(rs) > 1
	for _, r := range rs {
		switch {
		case r.Err != "":
			continue // no reply: its error is said on stderr
		case r.Connections != nil:
			t := newTable(w)
			header := consColumns
			if multi {
				header = append([]string{"MEMBER"}, consColumns...)
			}
			t.Header(upper(header))
			for _, c := range r.Connections {
				var row []string
				if multi {
					row = append(row, r.Member)
				}
				for _, col := range consColumns {
					row = append(row, c[col])
				}
				if err := t.Append(row); err != nil {
					return err
				}
			}
			if err := t.Render(); err != nil {
				return err
			}
		case r.Pairs != nil:
			t := newTable(w)
			if multi {
				t.Header([]string{"MEMBER", "KEY", "VALUE"})
			} else {
				t.Header([]string{"KEY", "VALUE"})
			}
			for _, kv := range r.Pairs {
				row := []string{kv.Key, kv.Value}
				if multi {
					row = append([]string{r.Member}, row...)
				}
				if err := t.Append(row); err != nil {
					return err
				}
			}
			if err := t.Render(); err != nil {
				return err
			}
		default:
			if multi {
				if _, err := fmt.Fprintf(w, "== %s ==\n", r.Member); err != nil {
					return err
				}
			}
			if err := p.plainPrinter.FourLetter(w, []FourLetterReply{r}); err != nil {
				return err
			}
			continue
		}
	}
	return nil
}

func upper(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToUpper(s)
	}
	return out
}

func (p tablePrinter) Quota(w io.Writer, q Quota) error {
	t := newTable(w)
	t.Header(QuotaHeader)
	if err := t.Bulk(QuotaRows(q)); err != nil {
		return err
	}
	return t.Render()
}

// --- JSON: one object per result.

func (p jsonPrinter) Status(w io.Writer, s EnsembleStatus) error {
	if s.Members == nil {
		s.Members = []MemberStatus{}
	}
	return writeJSON(w, struct {
		Time    string              `json:"time"`
		Members []MemberStatus      `json:"members"`
		Changed map[string][]string `json:"changed,omitempty"`
	}{jsonTime(s.Time), s.Members, s.Changed})
}

// fourLetterJSON is one member's reply as JSON: the parsed form of the words zksh knows, the text
// of the others.
type fourLetterJSON struct {
	Member      string              `json:"member"`
	Word        string              `json:"word"`
	Values      map[string]string   `json:"values,omitempty"`
	Connections []map[string]string `json:"connections,omitempty"`
	Reply       json.RawMessage     `json:"reply,omitempty"`
	Text        *string             `json:"text,omitempty"`
	Error       string              `json:"error,omitempty"`
}

func (p jsonPrinter) FourLetter(w io.Writer, rs []FourLetterReply) error {
	out := make([]fourLetterJSON, 0, len(rs))
	for _, r := range rs {
		j := fourLetterJSON{Member: r.Member, Word: r.Word, Reply: r.JSON, Connections: r.Connections, Error: r.Err}
		switch {
		case r.JSON != nil:
		case r.Connections != nil:
		case r.Pairs != nil:
			j.Values = map[string]string{}
			for _, kv := range r.Pairs {
				j.Values[kv.Key] = kv.Value
			}
		case r.Err == "":
			text := r.Text
			j.Text = &text
		}
		out = append(out, j)
	}
	return writeJSON(w, struct {
		Replies []fourLetterJSON `json:"replies"`
	}{out})
}

func (p jsonPrinter) Quota(w io.Writer, q Quota) error {
	return writeJSON(w, struct {
		Path   string      `json:"path"`
		Limits QuotaValues `json:"quota"`
		Stats  QuotaValues `json:"usage"`
	}{q.Path, q.Limits, q.Stats})
}
