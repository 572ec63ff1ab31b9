package render

import (
	"fmt"
	"io"
	"strings"
)

// Change is one difference between two subtrees, as diff prints it.
type Change struct {
	Kind string   `json:"kind"` // "+" added, "-" removed, "~" changed
	Path string   `json:"path"` // relative to the compared roots ("/" is the root)
	What []string `json:"what,omitempty"`
}

// Step is one step of a plan (apply, mirror, import --dry-run).
type Step struct {
	Op   string   `json:"op"` // create, update, delete; skip and keep for what is left alone
	Path string   `json:"path"`
	What []string `json:"what,omitempty"` // create: the mode; update: data, acl; skip/keep: why
}

// Applied counts what a plan changed.
type Applied struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
	Deleted int `json:"deleted"`
}

func (a Applied) String() string {
	return fmt.Sprintf("%d created, %d updated, %d deleted", a.Created, a.Updated, a.Deleted)
}

// ChangeLines are diff's text lines: "+ /a", "- /b", "~ /c data,acl".
func ChangeLines(cs []Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Kind + " " + c.Path
		if len(c.What) > 0 {
			out[i] += " " + strings.Join(c.What, ",")
		}
	}
	return out
}

// StepLines are a plan's text lines: "create /a persistent", "update /b data,acl", "delete /c".
func StepLines(steps []Step) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = fmt.Sprintf("%-6s %s", s.Op, s.Path)
		if len(s.What) > 0 {
			out[i] += " " + strings.Join(s.What, ",")
		}
	}
	return out
}

func writeLines(w io.Writer, lines []string) error {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (p plainPrinter) Changes(w io.Writer, cs []Change) error { return writeLines(w, ChangeLines(cs)) }
func (p plainPrinter) Plan(w io.Writer, steps []Step) error   { return writeLines(w, StepLines(steps)) }

func (p plainPrinter) Applied(w io.Writer, a Applied) error {
	return writeLines(w, []string{a.String()})
}

func (p plainPrinter) Exported(w io.Writer, n int, file string) error {
	noun := "znodes"
	if n == 1 {
		noun = "znode"
	}
	return writeLines(w, []string{fmt.Sprintf("exported %d %s to %s", n, noun, file)})
}

func (p jsonPrinter) Applied(w io.Writer, a Applied) error { return writeJSON(w, a) }

func (p jsonPrinter) Exported(w io.Writer, n int, file string) error {
	return writeJSON(w, struct {
		Exported int    `json:"exported"`
		File     string `json:"file"`
	}{n, file})
}

func (p jsonPrinter) Changes(w io.Writer, cs []Change) error {
	if cs == nil {
		cs = []Change{}
	}
	return writeJSON(w, struct {
		Equal   bool     `json:"equal"`
		Changes []Change `json:"changes"`
	}{len(cs) == 0, cs})
}

func (p jsonPrinter) Plan(w io.Writer, steps []Step) error {
	if steps == nil {
		steps = []Step{}
	}
	return writeJSON(w, struct {
		Steps []Step `json:"steps"`
	}{steps})
}
