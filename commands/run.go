package commands

import (
	"context"
	"errors"
	"io"

	"github.com/spf13/cobra"
)

// runWith runs a command once its RunE has parsed opts: runF when a test gave one, else run. The
// error comes back named after the command (cmd.Name(), "deleteall" for its alias rmr too): run
// functions return the bare error with the path it concerns and never spell their own name.
func runWith[O any](cmd *cobra.Command, opts O, runF, run func(context.Context, O) error) error {
	if runF != nil {
		run = runF
	}
	ctx := context.WithValue(cmd.Context(), commandKey{}, cmd.Name())
	return named(cmd.Name(), run(ctx, opts))
}

type commandKey struct{}

// warn prints an error a run function reports and goes on from (a znode -R could not reach), named
// after the command runWith runs in ctx, as the error it returns will be.
func warn(ctx context.Context, w io.Writer, err error) {
	name, _ := ctx.Value(commandKey{}).(string)
	PrintError(w, named(name, err))
}

// named gives err the command's name: an ExitError that names no command gets it, and any other
// error but a usage error becomes an ExitError naming it, with its exit code.
func named(op string, err error) error {
	if err == nil {
		return nil
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		return err
	}
	var ee *ExitError
	if !errors.As(err, &ee) {
		return &ExitError{Code: classify(err), Op: op, Err: err}
	}
	if ee.Op == "" {
		ee.Op = op
	}
	return err
}
