package render

import (
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/go-zookeeper/zk"
)

// Hex formats a zxid or session id as zkCli does: "0x" and lowercase hex without padding.
func Hex(v int64) string { return fmt.Sprintf("0x%x", uint64(v)) }

// JavaTime formats milliseconds since the epoch as Java's Date.toString does.
func JavaTime(ms int64, loc *time.Location) string {
	return time.UnixMilli(ms).In(loc).Format("Mon Jan 02 15:04:05 MST 2006")
}

// RFC3339 formats milliseconds since the epoch as RFC 3339 UTC with milliseconds.
func RFC3339(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// Field is one named stat value.
type Field struct{ Name, Value string }

// StatFields is the pure row builder behind every stat display: zkCli's names, order and values.
func StatFields(st *zk.Stat, loc *time.Location) []Field {
	return []Field{
		{"cZxid", Hex(st.Czxid)},
		{"ctime", JavaTime(st.Ctime, loc)},
		{"mZxid", Hex(st.Mzxid)},
		{"mtime", JavaTime(st.Mtime, loc)},
		{"pZxid", Hex(st.Pzxid)},
		{"cversion", strconv.Itoa(int(st.Cversion))},
		{"dataVersion", strconv.Itoa(int(st.Version))},
		{"aclVersion", strconv.Itoa(int(st.Aversion))},
		{"ephemeralOwner", Hex(st.EphemeralOwner)},
		{"dataLength", strconv.Itoa(int(st.DataLength))},
		{"numChildren", strconv.Itoa(int(st.NumChildren))},
	}
}

// StatJSON is a stat as JSON, with zkCli's key names.
type StatJSON struct {
	CZxid          string `json:"cZxid"`
	Ctime          string `json:"ctime"`
	MZxid          string `json:"mZxid"`
	Mtime          string `json:"mtime"`
	PZxid          string `json:"pZxid"`
	Cversion       int32  `json:"cversion"`
	DataVersion    int32  `json:"dataVersion"`
	AclVersion     int32  `json:"aclVersion"`
	EphemeralOwner string `json:"ephemeralOwner"`
	DataLength     int32  `json:"dataLength"`
	NumChildren    int32  `json:"numChildren"`
}

// NewStatJSON builds the JSON form of a stat; nil stays nil.
func NewStatJSON(st *zk.Stat) *StatJSON {
	if st == nil {
		return nil
	}
	return &StatJSON{
		CZxid:          Hex(st.Czxid),
		Ctime:          RFC3339(st.Ctime),
		MZxid:          Hex(st.Mzxid),
		Mtime:          RFC3339(st.Mtime),
		PZxid:          Hex(st.Pzxid),
		Cversion:       st.Cversion,
		DataVersion:    st.Version,
		AclVersion:     st.Aversion,
		EphemeralOwner: Hex(st.EphemeralOwner),
		DataLength:     st.DataLength,
		NumChildren:    st.NumChildren,
	}
}

// PermString spells ACL permissions as zkCli does: a subset of "cdrwa" in that order.
func PermString(perms int32) string {
	var b []byte
	for _, p := range []struct {
		bit int32
		c   byte
	}{{zk.PermCreate, 'c'}, {zk.PermDelete, 'd'}, {zk.PermRead, 'r'}, {zk.PermWrite, 'w'}, {zk.PermAdmin, 'a'}} {
		if perms&p.bit != 0 {
			b = append(b, p.c)
		}
	}
	return string(b)
}

// LongHeader and LongRows build the long listing (ls -l) for table and plain output.
var LongHeader = []string{"NAME", "CHILDREN", "DATA LENGTH", "VERSION", "MODIFIED", "EPHEMERAL OWNER"}

// LongRows returns one row per entry; times via the given formatter, absent owner as noOwner.
func LongRows(entries []Entry, when func(ms int64) string, noOwner string) [][]string {
	rows := make([][]string, 0, len(entries))
	for _, e := range entries {
		if e.Stat == nil {
			rows = append(rows, []string{e.Name, "-", "-", "-", "(deleted)", "-"})
			continue
		}
		owner := noOwner
		if e.Stat.EphemeralOwner != 0 {
			owner = Hex(e.Stat.EphemeralOwner)
		}
		rows = append(rows, []string{
			e.Name,
			strconv.Itoa(int(e.Stat.NumChildren)),
			strconv.Itoa(int(e.Stat.DataLength)),
			strconv.Itoa(int(e.Stat.Version)),
			when(e.Stat.Mtime),
			owner,
		})
	}
	return rows
}

// Printable reports whether data can be written to a terminal as text: valid UTF-8 without control
// characters other than tab, newline and carriage return. C1 controls (U+0080 to U+009F) count as
// control characters: terminals read U+009B as the start of an escape sequence, as ESC [.
func Printable(data []byte) bool {
	if !utf8.Valid(data) {
		return false
	}
	for _, r := range string(data) {
		if (r < 0x20 && r != '\n' && r != '\t' && r != '\r') || (r >= 0x7f && r <= 0x9f) {
			return false
		}
	}
	return true
}
