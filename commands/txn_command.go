package commands

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/go-zookeeper/zk"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/zksh/zksh/internal/cmdline"
	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/internal/znodepath"
	"github.com/zksh/zksh/render"
)

// TxnOptions are txn's parsed inputs.
type TxnOptions struct {
	Env *Env
	Ops []TxnOp
}

// TxnOp is one operation of a transaction, as its line gave it.
type TxnOp struct {
	Line    int    // the input line, from 1 (blank and comment lines counted); 0 in the shell's txn block
	Op      string // create, set, delete, check
	Path    string // absolute, as the user sees it (no chroot)
	Data    []byte
	ACL     []zk.ACL // create; nil = world:anyone:cdrwa
	Flags   int32    // create: zk.FlagEphemeral, zk.FlagSequence
	Version int32    // set, delete: -1 = any; check: the version required
}

// NewCmdTxn builds `txn [-f file]`: the operations of one multi request, read one per line.
func NewCmdTxn(env *Env, runF func(context.Context, *TxnOptions) error) *cobra.Command {
	opts := &TxnOptions{Env: env}
	var file string
	cmd := &cobra.Command{
		Use:   "txn [-f file]",
		Short: "Run create/set/delete/check lines as one transaction (all or nothing)",
		Long: `Run operations as one ZooKeeper transaction (a multi request): either all are applied or none.
The operations are read one per line from stdin, or from FILE with -f. In the shell and in scripts,
whose commands come from stdin, give -f, or type txn alone, then the operations one per line, then
commit to run them (abort, Ctrl-C or Ctrl-D drops them). Each line is one of
  create [-s] [-e] path [data] [acl]
  set [-v version] path data
  delete [-v version] path
  check -v version path
split into words as the shell splits its lines, with the flags and data (@FILE, @@TEXT) of the real
commands; relative paths are relative to the current znode. Blank lines and # comments are skipped.
On success one line per operation is printed (the created path; the new data version of a set). When
ZooKeeper refuses an operation nothing is applied, and the error names its line, operation and path
(exit 1).`,
		Example: "  zksh txn < ops.txt\n  printf 'check -v 3 /app/lock\\nset /app/config v2\\n' | zksh txn\n  txn -f ops.txt   (in the shell)\n" +
			"  txn              (in the shell: then one operation per line, then commit)",
		Args: rangeArgs(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			use := cmd.CommandPath()
			if block, ok := cmd.Context().Value(txnOpsKey{}).(txnBlockOps); ok {
				// commit in the shell: the operations were collected line by line.
				if file != "" {
					return usageErrorf(use, "txn: commit takes no -f: the operations are the lines typed since txn")
				}
				ops := block.ops
				if block.taken != nil {
					*block.taken = true
				}
				if err := checkTxnOps(ops); err != nil {
					return err
				}
				opts.Ops = ops
				return runWith(cmd, opts, runF, txnRun)
			}
			var in io.Reader
			switch {
			case file != "" && file != "-":
				f, err := os.Open(file)
				if err != nil {
					return usageErrorf(use, "txn: -f: %v", err)
				}
				defer f.Close()
				in = f
			case env.stdinCommands || env.Interactive:
				if begin, ok := cmd.Context().Value(txnBeginKey{}).(func()); ok {
					begin() // the shell collects the lines that follow, until commit or abort
					return nil
				}
				return usageErrorf(use, "txn: the shell reads its commands from stdin: give the operations in a file, txn -f FILE, "+
					"or type txn alone on a line, then the operations, then commit")
			default:
				if env.IO.InTTY {
					fmt.Fprintln(env.IO.ErrOut, "zksh: txn: reading operations, one per line, until end of input (Ctrl-D)")
				}
				in = env.IO.In
			}
			ops, err := parseTxn(cmd.Context(), env, in)
			if err != nil {
				var ue *UsageError
				if errors.As(err, &ue) {
					ue.Cmd = use
				}
				return err
			}
			opts.Ops = ops
			return runWith(cmd, opts, runF, txnRun)
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "read the operations from FILE instead of stdin")
	return cmd
}

// parseTxn reads the operations of a transaction, one per line.
func parseTxn(ctx context.Context, env *Env, in io.Reader) ([]TxnOp, error) {
	lineEnv := txnLineEnv(env)
	// More than a request can carry is refused, never cut short: one byte over the limit is read to
	// tell.
	const maxInput = 4 * clientMaxData
	counted := &countingReader{r: io.LimitReader(in, maxInput+1)}
	r := bufio.NewReader(counted)
	var ops []TxnOp
	for n := 1; ; n++ {
		line, err := r.ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, &ExitError{Code: ExitUsage, Op: "txn", Err: fmt.Errorf("reading the operations: %w", err)}
		}
		if err == io.EOF && counted.n > maxInput {
			return nil, usageErrorf("zksh txn", "txn: the input is more than %d bytes, more than one request can carry", maxInput)
		}
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			op, perr := parseTxnLine(ctx, lineEnv, strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"))
			if perr != nil {
				code := ExitCode(perr)
				msg := perr.Error()
				var ee *ExitError
				if errors.As(perr, &ee) {
					msg = ee.Error()
				}
				if code == ExitUsage {
					return nil, usageErrorf("zksh txn", "txn: line %d: %s", n, msg)
				}
				return nil, &ExitError{Code: code, Op: "txn", Err: fmt.Errorf("line %d: %s", n, msg)}
			}
			op.Line = n
			ops = append(ops, op)
		}
		if err == io.EOF {
			break
		}
	}
	if err := checkTxnOps(ops); err != nil {
		return nil, err
	}
	return ops, nil
}

// checkTxnOps refuses a transaction that has no operations or more than one request can carry.
func checkTxnOps(ops []TxnOp) error {
	if len(ops) == 0 {
		return usageErrorf("zksh txn", "txn: no operations given (want create, set, delete or check lines)")
	}
	size := 0
	for _, op := range ops {
		size += len(op.Path) + len(op.Data) + zkclient.MultiOpOverhead + 64*len(op.ACL)
	}
	if size > clientMaxData {
		return usageErrorf("zksh txn", "txn: the %d operations carry about %d bytes, more than the %d zksh can send in one request "+
			"(servers take 1 MiB by default: jute.maxbuffer)", len(ops), size, clientMaxData)
	}
	return nil
}

// The shell's txn block (txn, then one operation per line, then commit): the shell runs its txn
// line with a begin function in the context, and its commit line as txn with the operations in the
// context, so both go through the command's checks (--read-only) and its output and errors.
type (
	txnBeginKey struct{}
	txnOpsKey   struct{}
)

// WithTxnBegin makes a txn line that gives no -f, in the shell or a script, call begin instead of
// refusing: the shell then collects the operations itself.
func WithTxnBegin(ctx context.Context, begin func()) context.Context {
	return context.WithValue(ctx, txnBeginKey{}, begin)
}

type txnBlockOps struct {
	ops   []TxnOp
	taken *bool
}

// WithTxnOps makes a txn line run ops, collected by the shell, as `txn -f` runs the lines of its file.
// taken, when not nil, is set once the command takes them: a line refused before that (a bad flag,
// --read-only) used none of them.
func WithTxnOps(ctx context.Context, ops []TxnOp, taken *bool) context.Context {
	return context.WithValue(ctx, txnOpsKey{}, txnBlockOps{ops: ops, taken: taken})
}

// ParseTxnOp reads one operation of the shell's txn block (the words of a create, set, delete or
// check line) with txn's parser: relative paths are relative to env's current znode, data cannot
// come from stdin. The error is named after txn.
func ParseTxnOp(ctx context.Context, env *Env, words []string) (TxnOp, error) {
	op, err := parseTxnWords(ctx, txnLineEnv(env), words)
	if err == nil {
		return op, nil
	}
	code := ExitCode(err)
	msg := err.Error()
	var ee *ExitError
	if errors.As(err, &ee) {
		msg = ee.Error()
	}
	if code == ExitUsage {
		return TxnOp{}, usageErrorf("zksh txn", "txn: %s", msg)
	}
	return TxnOp{}, &ExitError{Code: code, Op: "txn", Err: errors.New(msg)}
}

// txnLineEnv is the Env txn's lines are parsed in: the data of a line may not be "-", since the
// operations themselves come from stdin, or the shell's commands do.
func txnLineEnv(env *Env) *Env {
	lineEnv := NewEnv(env.IO, env.settings())
	lineEnv.Cwd, lineEnv.stdinCommands, lineEnv.Interactive = env.Cwd, true, env.Interactive
	return lineEnv
}

// parseTxnLine reads one operation with the flags, data and path rules of the command of that name.
func parseTxnLine(ctx context.Context, env *Env, line string) (TxnOp, error) {
	words, err := cmdline.Split(line)
	if err != nil {
		return TxnOp{}, &UsageError{Err: fmt.Errorf("cannot split the line: %w", err)}
	}
	return parseTxnWords(ctx, env, words)
}

// parseTxnWords reads one operation from the words of its line.
func parseTxnWords(ctx context.Context, env *Env, words []string) (TxnOp, error) {
	if len(words) == 0 {
		return TxnOp{}, &UsageError{Err: errors.New("an empty line is not an operation")}
	}
	var op TxnOp
	var cmd *cobra.Command
	parsed := false
	switch words[0] {
	case "create":
		cmd = NewCmdCreate(env, func(_ context.Context, o *CreateOptions) error {
			switch {
			case o.TTL > 0:
				return &UsageError{Err: errors.New("create -t: TTL znodes cannot be part of a txn")}
			case o.Container:
				// The server answers a container's create in a multi with an operation go-zookeeper
				// cannot read: the transaction would be applied and reported as failed.
				return &UsageError{Err: errors.New("create -c: container znodes cannot be part of a txn")}
			case o.Parents:
				return &UsageError{Err: errors.New("create -p cannot be part of a txn (give the parents their own create lines)")}
			}
			op = TxnOp{Op: "create", Path: o.Path, Data: o.Data, ACL: o.ACL}
			switch {
			case o.Ephemeral && o.Sequential:
				op.Flags = zk.FlagEphemeral | zk.FlagSequence
			case o.Ephemeral:
				op.Flags = zk.FlagEphemeral
			case o.Sequential:
				op.Flags = zk.FlagSequence
			}
			parsed = true
			return nil
		})
	case "set":
		cmd = NewCmdSet(env, func(_ context.Context, o *SetOptions) error {
			if o.Stat {
				return &UsageError{Err: errors.New("set -s: not available in a txn (the new data version is printed)")}
			}
			op, parsed = TxnOp{Op: "set", Path: o.Path, Data: o.Data, Version: o.Version}, true
			return nil
		})
	case "delete":
		cmd = NewCmdDelete(env, func(_ context.Context, o *DeleteOptions) error {
			op, parsed = TxnOp{Op: "delete", Path: o.Path, Version: o.Version}, true
			return nil
		})
	case "check":
		return parseCheck(env, words[1:])
	default:
		return TxnOp{}, &UsageError{Err: fmt.Errorf("%q is not a txn operation (want create, set, delete or check)", words[0])}
	}
	cmd.SetArgs(words[1:])
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &UsageError{Err: flagError(c, err)} })
	if err := cmd.ExecuteContext(ctx); err != nil {
		err = AsUsage(err)
		var ue *UsageError
		if errors.As(err, &ue) && !strings.HasPrefix(ue.Error(), words[0]) {
			ue.Err = fmt.Errorf("%s: %w", words[0], ue.Err)
		}
		return TxnOp{}, err
	}
	if !parsed {
		return TxnOp{}, &UsageError{Err: fmt.Errorf("%s: not an operation (help is not available inside a txn)", words[0])}
	}
	return op, nil
}

// parseCheck reads `check -v version path`: the transaction goes on only if path's data version is
// version.
func parseCheck(env *Env, args []string) (TxnOp, error) {
	fs := pflag.NewFlagSet("check", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	version := fs.Int32P("version", "v", -1, "required data version")
	if err := fs.Parse(args); err != nil {
		if m := pflagInvalid().FindStringSubmatch(err.Error()); m != nil {
			err = fmt.Errorf("invalid %s %s: %s", m[2], m[1], flagReason(m[3]))
		}
		return TxnOp{}, &UsageError{Err: fmt.Errorf("check: %v", err)}
	}
	if !fs.Changed("version") || *version < 0 {
		return TxnOp{}, &UsageError{Err: errors.New("check: needs -v VERSION (a data version, 0 or more): check -v VERSION PATH")}
	}
	if fs.NArg() != 1 {
		return TxnOp{}, &UsageError{Err: fmt.Errorf("check: wants 1 path, got %d (check -v VERSION PATH)", fs.NArg())}
	}
	p, err := znodepath.Resolve(env.Cwd, fs.Arg(0))
	if err != nil {
		return TxnOp{}, &UsageError{Err: fmt.Errorf("check %s: %v", showPath(fs.Arg(0)), err)}
	}
	return TxnOp{Op: "check", Path: p, Version: *version}, nil
}

func txnRun(ctx context.Context, opts *TxnOptions) error {
	env := opts.Env
	p, c, err := env.begin(ctx, "")
	if err != nil {
		return err
	}
	reqs := make([]any, 0, len(opts.Ops))
	for _, op := range opts.Ops {
		zp := op.Path
		switch op.Op {
		case "create":
			acl := op.ACL
			if acl == nil {
				acl = zk.WorldACL(zk.PermAll)
			}
			reqs = append(reqs, &zk.CreateRequest{Path: zp, Data: op.Data, Acl: acl, Flags: op.Flags})
		case "set":
			reqs = append(reqs, &zk.SetDataRequest{Path: zp, Data: op.Data, Version: op.Version})
		case "delete":
			reqs = append(reqs, &zk.DeleteRequest{Path: zp, Version: op.Version})
		case "check":
			reqs = append(reqs, &zk.CheckVersionRequest{Path: zp, Version: op.Version})
		}
	}
	res, failedAt, err := c.Multi(reqs...)
	if err != nil {
		if zkclient.ReplyLost(err) || zkclient.SendFailed(err) {
			return writeError("", err, " (a transaction of "+count(len(reqs), "operation")+": all applied or none)")
		}
		if i := failedAt; i >= 0 && i < len(opts.Ops) {
			op := opts.Ops[i]
			where := ""
			if op.Line > 0 { // the shell's txn block numbers its operations only (as its prompt does)
				where = fmt.Sprintf("line %d: ", op.Line)
			}
			return &ExitError{Code: classify(res[i].Error), Err: fmt.Errorf("%soperation %d (%s %s) refused: %s; nothing was applied",
				where, i+1, op.Op, op.Path, describe(res[i].Error))}
		}
		return &ExitError{Code: classify(err), Err: fmt.Errorf("%s; nothing was applied", describe(err))}
	}
	results := make([]render.TxnResult, len(opts.Ops))
	for i, op := range opts.Ops {
		results[i] = render.TxnResult{Op: op.Op, Path: op.Path, Version: op.Version}
		if i >= len(res) {
			continue
		}
		switch op.Op {
		case "create":
			results[i].Created = res[i].String
			env.wrote(znodepath.Parent(results[i].Created))
		case "delete":
			env.wrote(znodepath.Parent(op.Path))
		case "set":
			if res[i].Stat != nil {
				results[i].Version = res[i].Stat.Version
			}
		}
	}
	if err := p.Txn(env.IO.Out, results); err != nil {
		return pathError("", err)
	}
	return nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
