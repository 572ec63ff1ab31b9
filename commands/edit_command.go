package commands

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"

	"github.com/go-zookeeper/zk"
	"github.com/spf13/cobra"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/internal/znodepath"
)

// EditOptions are edit's parsed inputs.
type EditOptions struct {
	Env    *Env
	Path   string
	Editor string // a shell command: $VISUAL, else $EDITOR, else vi; the file is its last argument
	Force  bool   // --force: edit data that is not text
}

// NewCmdEdit builds `edit path`: the znode's data in an editor, written back only if changed and
// only if nobody changed it meanwhile.
func NewCmdEdit(env *Env, runF func(context.Context, *EditOptions) error) *cobra.Command {
	opts := &EditOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "edit path",
		Short: "Edit a znode's data in $VISUAL or $EDITOR",
		Long: `Open the znode's data in $VISUAL, else $EDITOR, else vi, and write it back when the editor exits
0 and the text changed (a newline the editor added at the end alone is no change). The write is
set -v with the data version read: if someone changed or deleted the znode meanwhile nothing is
written, the edited text is kept in a file the error names, and edit exits 1. An editor that exits
non-zero writes nothing (exit 1); one that cannot be started exits 2. Data that is not text
(invalid UTF-8 or NUL bytes) is refused (exit 2) unless --force.`,
		Example: "  zksh edit /app/config\n  EDITOR=nano zksh edit /app/config",
		Args:    rangeArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := resolveArg(cmd, env, args[0])
			if err != nil {
				return err
			}
			opts.Path = p
			opts.Force = env.settings().Force
			opts.Editor = editorCommand(os.Getenv)
			return runWith(cmd, opts, runF, editRun)
		},
	}
	return pathArg(cmd)
}

// editorCommand is the editor to run: $VISUAL, else $EDITOR, else vi.
func editorCommand(getenv func(string) string) string {
	for _, v := range []string{"VISUAL", "EDITOR"} {
		if e := strings.TrimSpace(getenv(v)); e != "" {
			return e
		}
	}
	return "vi"
}

func editRun(ctx context.Context, opts *EditOptions) error {
	env := opts.Env
	_, c, err := env.begin(ctx, opts.Path)
	if err != nil {
		return err
	}
	data, st, err := c.Get(opts.Path)
	if err != nil {
		return pathError(opts.Path, err)
	}
	if !isText(data) && !opts.Force {
		return &ExitError{Code: ExitUsage, Path: opts.Path, Err: fmt.Errorf("the data (%d bytes) is not text, and an editor may change "+
			"bytes it cannot show: nothing was opened (--force edits it anyway; or get -b and set @FILE)", len(data))}
	}
	f, err := os.CreateTemp("", "zksh-edit-*-"+safeName(znodepath.Name(opts.Path)))
	if err != nil {
		return &ExitError{Code: ExitRefused, Path: opts.Path, Err: fmt.Errorf("creating a temporary file: %w", err)}
	}
	file := f.Name()
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(file)
		return &ExitError{Code: ExitRefused, Path: opts.Path, Err: fmt.Errorf("writing %s: %w", file, werr)}
	}
	keep := false
	defer func() {
		if !keep {
			os.Remove(file)
		}
	}()

	runErr := runEditor(env, opts.Editor, file)
	edited, rerr := os.ReadFile(file)
	changed := rerr == nil && !sameText(data, edited)
	if runErr != nil {
		keep = changed
		return editorError(opts, runErr, file, keep)
	}
	if rerr != nil {
		return &ExitError{Code: ExitRefused, Path: opts.Path, Err: fmt.Errorf("reading the edited text back from %s: %w; nothing written", file, rerr)}
	}
	if !changed {
		fmt.Fprintf(env.IO.ErrOut, "zksh: edit %s: no change; nothing written\n", opts.Path)
		return nil
	}
	if err := checkDataSize("edit", edited); err != nil {
		keep = true
		return &ExitError{Code: ExitUsage, Path: opts.Path, Err: fmt.Errorf("%s; nothing written, the edited text is kept in %s", describe(err), file)}
	}
	if _, err := c.Set(opts.Path, edited, st.Version); err != nil {
		keep = true
		kept := "; the edited text is kept in " + file
		switch {
		case errors.Is(err, zk.ErrBadVersion):
			return &ExitError{Code: ExitRefused, Path: opts.Path, Err: fmt.Errorf(
				"changed by someone else since it was read (data version %d): nothing written%s", st.Version, kept)}
		case errors.Is(err, zk.ErrNoNode):
			return &ExitError{Code: ExitRefused, Path: opts.Path, Err: fmt.Errorf("deleted since it was read: nothing written%s", kept)}
		case zkclient.ReplyLost(err):
			found := env.recheckData(ctx, opts.Path, edited, true)
			return dataError(opts.Path, edited, err, strings.TrimPrefix(found+kept, "; "))
		}
		e := dataError(opts.Path, edited, err, "").(*ExitError)
		e.Err = fmt.Errorf("%s%s", describe(e.Err), kept)
		return e
	}
	env.wrote(znodepath.Parent(opts.Path))
	return nil
}

// sameText reports whether the edited text is the data as read: byte for byte, or with only a
// newline the editor added at the end (vi adds one to a last line without it).
func sameText(data, edited []byte) bool {
	if bytes.Equal(data, edited) {
		return true
	}
	return !bytes.HasSuffix(data, []byte("\n")) && bytes.Equal(append(bytes.Clone(data), '\n'), edited)
}

// runEditor runs the editor command on file through sh, as git does, so that $EDITOR may hold
// arguments ("code --wait"). While it runs, Ctrl-C belongs to the editor (vi uses it): zksh neither
// dies of it nor cancels anything.
func runEditor(env *Env, editor, file string) error {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	cmd := exec.Command("/bin/sh", "-c", editor+` "$1"`, "zksh-edit", file)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = env.IO.In, env.IO.Out, env.IO.ErrOut
	if env.stdinCommands && !env.Interactive {
		cmd.Stdin = nil // a script's stdin holds its next lines: the editor reads /dev/null
	}
	return cmd.Run()
}

// editorError is edit's error when the editor failed: nothing is written. An editor that could not
// be started (sh's 126 and 127) is a usage error: $VISUAL or $EDITOR names something that is not there.
func editorError(opts *EditOptions, err error, file string, kept bool) error {
	tail := "nothing written"
	if kept {
		tail += "; the edited text is kept in " + file
	}
	var xe *exec.ExitError
	if errors.As(err, &xe) {
		switch xe.ExitCode() {
		case 126, 127:
			return &ExitError{Code: ExitUsage, Path: opts.Path, Err: fmt.Errorf("could not run the editor %q (set $VISUAL or $EDITOR): %s", opts.Editor, tail)}
		case -1:
			return &ExitError{Code: ExitRefused, Path: opts.Path, Err: fmt.Errorf("the editor %q was killed (%v): %s", opts.Editor, xe, tail)}
		}
		return &ExitError{Code: ExitRefused, Path: opts.Path, Err: fmt.Errorf("the editor %q exited with status %d: %s", opts.Editor, xe.ExitCode(), tail)}
	}
	return &ExitError{Code: ExitUsage, Path: opts.Path, Err: fmt.Errorf("could not run the editor %q: %v: %s", opts.Editor, err, tail)}
}

// safeName is a znode name made fit for a temporary file's name (editors pick a mode from the suffix).
func safeName(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	if len(b) > 40 {
		b = b[len(b)-40:]
	}
	return string(b)
}
