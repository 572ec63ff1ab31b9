package commands

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/render"
)

// Version is stamped at release time: -ldflags "-X github.com/zksh/zksh/commands.Version=v1.2.3".
var Version = "dev"

// NewRootCmd returns a fresh command tree bound to env for one command line given to zksh: its
// settings become env's (Main fills the flags not given from their ZKSH_* twins first). The shell
// builds its lines' trees with ExecuteLine, whose settings are that line's only.
func NewRootCmd(env *Env) *cobra.Command {
	root, _ := newRootCmd(env, false)
	return root
}

// newRootCmd returns a command tree bound to env and the settings its flags are parsed into (a copy
// of env's). line says the tree runs one line of the shell: its settings are the line's only.
func newRootCmd(env *Env, line bool) (*cobra.Command, *Settings) {
	s := env.Settings
	root := &cobra.Command{
		Use:   "zksh [flags] [command]",
		Short: "A ZooKeeper shell: one-shot commands, a REPL and a bundled server",
		Long: `zksh talks to Apache ZooKeeper. With a command it runs that command and exits; without one
it opens an interactive shell (or, when stdin is not a terminal, runs the commands it reads, one per
line). Paths may be relative to the current znode (see cd).`,
		SilenceErrors:     true,
		SilenceUsage:      true,
		DisableAutoGenTag: true,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				if why, ok := zkCliOnly[args[0]]; ok {
					return usageErrorf("zksh", "%s: zkCli's %s is not supported by zksh%s", args[0], args[0], why)
				}
				return usageErrorf("zksh", "unknown command %q", hideURLCredential(args[0]))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if env.Interactive {
				return cmd.Help()
			}
			env.wantREPL = true
			return nil
		},
	}
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if err := resolveSettings(cmd, root.PersistentFlags(), env, &s, line); err != nil {
			return err
		}
		if err := checkReadOnly(cmd, args, env, &s); err != nil {
			return err
		}
		env.line = &s
		env.typedPasswords = nil
		if !line && !env.Interactive {
			env.Settings = s
			if s.Local {
				return env.startLocal()
			}
		}
		return nil
	}
	root.SetOut(env.IO.Out)
	root.SetErr(env.IO.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &UsageError{Cmd: c.CommandPath(), Err: flagError(c, err)}
	})
	root.Version = Version
	root.SetVersionTemplate("zksh version {{.Version}}\n")

	bindSettings(root.PersistentFlags(), &s)
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "plain", "json"}, cobra.ShellCompDirectiveNoFileComp))

	root.AddGroup(&cobra.Group{ID: "znode", Title: "Znode commands:"}, &cobra.Group{ID: "session", Title: "Session and shell commands:"},
		&cobra.Group{ID: "admin", Title: "Ensemble administration:"})
	add := func(group string, cmds ...*cobra.Command) {
		for _, c := range cmds {
			c.GroupID = group
			if c.ValidArgsFunction == nil && c.Annotations[annotationPathArg] == "true" {
				c.ValidArgsFunction = completeZnode(env, &s)
			}
			root.AddCommand(c)
		}
	}
	add("znode",
		writes(NewCmdCreate(env, nil)),
		reads(NewCmdLs(env, nil)),
		reads(NewCmdGet(env, nil)),
		writes(NewCmdSet(env, nil)),
		writes(NewCmdDelete(env, nil)),
		writes(NewCmdDeleteAll(env, nil)),
		reads(NewCmdStat(env, nil)),
		reads(NewCmdGetACL(env, nil)),
		writes(NewCmdSetACL(env, nil)),
		reads(NewCmdSync(env, nil)),
		reads(NewCmdGetAllChildrenNumber(env, nil)),
		reads(NewCmdGetEphemerals(env, nil)),
		writes(NewCmdTxn(env, nil)),
		writes(NewCmdEdit(env, nil)),
		reads(NewCmdFind(env, nil)),
		reads(NewCmdGrep(env, nil)),
		reads(NewCmdTree(env, nil)),
		reads(NewCmdDu(env, nil)),
		reads(NewCmdExport(env, nil)),
		writes(NewCmdImport(env, nil)),
		reads(NewCmdDiff(env, nil)),
		writes(NewCmdApply(env, nil)),
		writesUnlessToFile(NewCmdCp(env, nil)),
		writesUnlessToFile(NewCmdMirror(env, nil)),
	)
	add("session",
		reads(shellState(NewCmdCd(env, nil))),
		reads(NewCmdPwd(env, nil)),
		reads(shellState(NewCmdConnect(env, nil))),
		reads(shellState(NewCmdClose(env, nil))),
		reads(shellState(NewCmdAddAuth(env, nil))),
		reads(NewCmdWhoAmI(env, nil)),
		reads(NewCmdVersion(env, nil)),
		reads(NewCmdAddWatch(env, nil)),
		reads(NewCmdRemoveWatches(env, nil)),
		reads(NewCmdPrintWatches(env, nil)),
		reads(NewCmdWatch(env, nil)),
	)
	add("admin",
		reads(NewCmdStatus(env, nil)),
		reads(NewCmdFourLetter(env, nil)),
		reads(NewCmdConfig(env, nil)),
		writes(NewCmdReconfig(env, nil)),
		writes(NewCmdSetQuota(env, nil)),
		reads(NewCmdListQuota(env, nil)),
		writes(NewCmdDelQuota(env, nil)),
	)
	// The server command serves a ZooKeeper of its own: it changes nothing on the servers --server
	// names, so --read-only lets it run.
	root.AddCommand(reads(NewCmdServer(env, nil)))
	root.AddCommand(reads(newExitCodesTopic()))
	help := reads(newHelpCmd(root))
	reads(root) // without a command: the shell, whose lines are checked one by one
	help.GroupID = "session"
	root.SetHelpCommand(help)
	root.SetCompletionCommandGroupID("session")
	// cobra adds `completion` when it executes, as a group without a run function: `completion tcsh`
	// would print its help and exit 0. Added now and made runnable, an unknown shell meets its NoArgs
	// check: a usage error (exit 2).
	root.InitDefaultCompletionCmd()
	if c, _, err := root.Find([]string{"completion"}); err == nil && c != root && c.Name() == "completion" {
		c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	}
	return root, &s
}

// pflagInvalid matches pflag's `invalid argument "abc" for "-v, --version" flag: strconv.ParseInt: ...`.
// Compiled on first use: start-up does no work a command does not need.
var pflagInvalid = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^invalid argument (".*") for "(.*)" flag: (.*)$`)
})

// flagError rewords pflag's message for a bad flag value without Go's parser internals:
// `set: invalid -v, --version "abc": not a number`. A credential (--auth) is never repeated.
func flagError(c *cobra.Command, err error) error {
	m := pflagInvalid().FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	name := c.Name()
	if !c.HasParent() {
		name = "zksh"
	}
	value := " " + m[1]
	if strings.HasSuffix(m[2], "--auth") {
		value = ""
	}
	return fmt.Errorf("%s: invalid %s%s: %s", name, m[2], value, flagReason(m[3]))
}

// flagReason says why a flag's (or its environment twin's) value was refused, without Go's parser
// internals.
func flagReason(reason string) string {
	switch {
	case strings.HasPrefix(reason, "strconv.ParseBool: "): // a boolean flag given =VALUE
		return "want true or false"
	case strings.HasSuffix(reason, "invalid syntax"):
		return "not a number"
	case strings.HasSuffix(reason, "value out of range"):
		return "out of range"
	case strings.HasPrefix(reason, "time: missing unit"):
		return "needs a unit (e.g. 5000ms or 5s)"
	case strings.HasPrefix(reason, "time: "):
		return "not a duration (e.g. 500ms, 30s, 1m)"
	}
	return reason
}

// resolveSettings makes s, parsed from cmd's command line, the settings the command runs with: in
// a one-shot run (env.getenv set by Main) the global flags not given are filled from their ZKSH_*
// twins, then the whole value is validated once, whether or not a session is ever opened. global
// are the tree's global flags.
func resolveSettings(cmd *cobra.Command, global *pflag.FlagSet, env *Env, s *Settings, line bool) error {
	use := cmd.CommandPath()
	given := map[string]bool{} // on the command line
	global.VisitAll(func(f *pflag.Flag) { given[f.Name] = f.Changed })
	serverCmd := cmd.Name() == "server" && cmd.HasParent()
	if !line && env.getenv != nil {
		// A flag, or the server command, wins over ZKSH_LOCAL.
		skip := func(flag string) bool { return flag == "local" && (given["server"] || serverCmd) }
		if err := fillFromEnv(global, env.getenv, skip); err != nil {
			return err
		}
		s.JVMFlags = readJVMFlags(env.getenv)
	}
	if s.Local && !given["local"] && (given["server"] || serverCmd) {
		s.Local = false // a flag, or the server command, wins over a --local the shell was started with
	}
	name := func(flag string) string {
		if f := global.Lookup(flag); f != nil && f.Changed && !given[flag] {
			return envName(flag)
		}
		return "--" + flag
	}
	set := func(flag string) bool { f := global.Lookup(flag); return f != nil && f.Changed }
	if err := s.validate(name, set); err != nil {
		return &UsageError{Cmd: use, Err: err}
	}
	if err := resolveCredentials(cmd.Context(), s, env.IO, given["auth"] && !line, !line); err != nil {
		if ctx := cmd.Context(); ctx != nil && ctx.Err() != nil {
			return ctx.Err() // Ctrl-C at the password prompt
		}
		return &UsageError{Cmd: use, Err: err}
	}
	switch {
	case line && !serverCmd && (given["local"] || given["data-dir"]):
		return usageErrorf(use, "--local and --data-dir apply to the whole shell: give them when starting zksh")
	case s.Local && serverCmd:
		return usageErrorf(use, "server: --local starts a server of its own; use one or the other")
	case s.Local && given["server"]:
		return usageErrorf(use, "--local and --server cannot be combined: --local starts its own server")
	case !s.Local && given["data-dir"] && !serverCmd:
		return usageErrorf(use, "--data-dir needs --local (or use zksh server --data-dir)")
	}
	return nil
}

// zkCliOnly are zkCli commands zksh does not have, with a pointer where there is one.
var zkCliOnly = map[string]string{
	"history": " outside the shell (run zksh without a command)",
	"redo":    " outside the shell (run zksh without a command)",
	"quit":    " outside the shell",
	"exit":    " outside the shell",
}

const annotationPathArg = "zksh/path-arg"

// annotationShellState marks a command that changes the shell's own session or current znode (cd,
// connect, close, addauth): it makes no sense on a session of the line's own.
const annotationShellState = "zksh/shell-state"

// shellState marks c with annotationShellState.
func shellState(c *cobra.Command) *cobra.Command {
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[annotationShellState] = "true"
	return c
}

// pathArg marks a command whose operand is a znode path, for completion.
func pathArg(c *cobra.Command) *cobra.Command {
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[annotationPathArg] = "true"
	return c
}

// begin is how a command that prints and talks to ZooKeeper starts: the line's printer (a usage
// error for a bad format) and the session (an error naming op and path).
func (e *Env) begin(ctx context.Context, path string) (render.Printer, *zkclient.Client, error) {
	p, err := e.printer()
	if err != nil {
		return nil, nil, err
	}
	c, err := e.Client(ctx)
	if err != nil {
		return nil, nil, pathError(path, err)
	}
	return p, c, nil
}

// printer returns the printer for the line being run.
func (e *Env) printer() (render.Printer, error) {
	s := e.settings()
	f, err := render.ParseFormat(s.Output, e.IO.OutTTY)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	return render.New(f, render.Options{TTY: e.IO.OutTTY}), nil
}

// globalValueFlags are the global flags that take a value, for finding the command word.
var globalValueFlags = map[string]bool{"--server": true, "--timeout": true, "--connect-timeout": true,
	"--wait-timeout": true, "--auth": true, "--output": true, "-o": true, "--data-dir": true,
	"--tls-ca": true, "--tls-cert": true, "--tls-key": true, "--tls-server-name": true, "--client-configuration": true}

// rewriteArgs accepts zkCli's single-dash global options (-server HOSTS, -timeout MS, and the switches
// -r and -waitforconnection), and -s HOSTS before the command (after it, -s is the command's own flag:
// stat, sequential).
func rewriteArgs(args []string) ([]string, error) {
	if len(args) > 1 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd) {
		// The system shell's completion: the words typed so far, then the one being completed. The
		// typed words are rewritten as the command itself would be, so that completion talks to
		// the same server; the last word stays as typed. Words that do not parse yet (a -s without
		// its value) are left to cobra as they are.
		last := len(args) - 1
		typed, err := rewriteArgs(args[1:last])
		if err != nil {
			return args, nil
		}
		return append(append([]string{args[0]}, typed...), args[last]), nil
	}
	out := make([]string, 0, len(args))
	beforeCommand := true
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(out, args[i:]...), nil
		case beforeCommand && (a == "-client-configuration" || strings.HasPrefix(a, "-client-configuration=")):
			v, n, err := optValue(args, i, "-client-configuration")
			if err != nil {
				return nil, err
			}
			out = append(out, "--client-configuration="+v)
			i += n
		case beforeCommand && (a == "-r" || a == "-waitforconnection"):
			// zkCli's read-only-mode and wait-for-connection switches: zksh always waits for the
			// session (up to --connect-timeout); read-only mode is not supported, so the flag is moot.
		case beforeCommand && (a == "-s" || strings.HasPrefix(a, "-s=")):
			v, n, err := optValue(args, i, "-s")
			if err != nil {
				return nil, err
			}
			out = append(out, "--server="+v)
			i += n
		case beforeCommand && globalValueFlags[a] && i+1 < len(args):
			out = append(out, a, args[i+1])
			i++
		case beforeCommand && !strings.HasPrefix(a, "-"):
			beforeCommand = false
			out = append(out, a)
		case beforeCommand && (a == "-server" || strings.HasPrefix(a, "-server=")):
			v, n, err := optValue(args, i, "-server")
			if err != nil {
				return nil, err
			}
			out = append(out, "--server="+v)
			i += n
		case beforeCommand && (a == "-timeout" || strings.HasPrefix(a, "-timeout=")):
			v, n, err := optValue(args, i, "-timeout")
			if err != nil {
				return nil, err
			}
			ms, err := strconv.ParseInt(v, 10, 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) || ms <= 0 && err == nil {
				return nil, usageErrorf("zksh", "-timeout %q: want milliseconds", v)
			}
			if err != nil || ms > maxSessionTimeout.Milliseconds() {
				return nil, usageErrorf("zksh", "-timeout %s: too large: at most %d (milliseconds, about 24 days: the session timeout is a 32-bit count of milliseconds)",
					v, maxSessionTimeout.Milliseconds())
			}
			out = append(out, "--timeout="+(time.Duration(ms)*time.Millisecond).String())
			i += n
		default:
			out = append(out, a)
		}
	}
	return reconfigArgs(findArgs(out)), nil
}

func optValue(args []string, i int, name string) (string, int, error) {
	if v, ok := strings.CutPrefix(args[i], name+"="); ok {
		return v, 0, nil
	}
	if i+1 >= len(args) {
		return "", 0, usageErrorf("zksh", "%s needs an argument", name)
	}
	return args[i+1], 1, nil
}

// Main runs zksh with args (without the program name): one command, or repl(env) when no command is
// given. It returns the exit code; only main exits.
func Main(args []string, streams *IOStreams, repl func(*Env) error) int {
	env := NewEnv(streams, defaultSettings())
	env.getenv = os.Getenv
	defer env.shutdown()

	args, err := rewriteArgs(args)
	if err != nil {
		PrintError(streams.ErrOut, err)
		return ExitCode(err)
	}
	// The first Ctrl-C cancels the command, which stops cleanly; a second one kills the process the
	// default way (a request ZooKeeper never answers cannot be cancelled).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() { <-ctx.Done(); stop() }()
	root := NewRootCmd(env)
	root.SetArgs(args)
	root.SetIn(streams.In)
	err = root.ExecuteContext(ctx)
	stop()
	env.getenv = nil // the settings are resolved: the shell's lines start from them
	if err == nil && env.wantREPL {
		if repl == nil {
			err = usageErrorf("zksh", "no command given")
		} else {
			env.line = nil
			env.stdinCommands = true // the shell reads its commands from stdin
			err = repl(env)
		}
	}
	if err != nil {
		err = AsUsage(err)
		PrintError(streams.ErrOut, err)
	}
	return ExitCode(err)
}

// ExecuteLine runs one command line (its words, without "zksh") on a fresh command tree bound to env,
// as the REPL and scripts do: ctx cancels it (Ctrl-C). The line's global flags apply to it alone: the
// shell's settings are left as they are, and a line giving --server, --auth, --timeout or
// --connect-timeout runs on a session of its own, closed when the line ends. The error it returns is
// typed (AsUsage), and a usage error's hint reads "help get" when env.Interactive.
func ExecuteLine(ctx context.Context, env *Env, words []string) error {
	words = reconfigArgs(findArgs(words))
	lineEnv, err := sessionForLine(env, words)
	if err == nil {
		if lineEnv != env {
			defer lineEnv.shutdown()
		}
		root, _ := newRootCmd(lineEnv, true)
		root.SetArgs(words)
		root.SetIn(env.IO.In)
		err = root.ExecuteContext(ctx)
	}
	err = AsUsage(err)
	var ue *UsageError
	if env.Interactive && errors.As(err, &ue) {
		ue.Interactive = true
	}
	return err
}

// sessionFlags are the global flags that make a shell line run on a session of its own.
var sessionFlags = []string{"server", "auth", "auth-file", "timeout", "connect-timeout",
	"tls", "tls-ca", "tls-cert", "tls-key", "tls-server-name", "tls-insecure-skip-verify", "client-configuration",
	"jaas", "sasl-user", "sasl-password-file", "kerberos", "kerberos-keytab", "kerberos-principal"}

// sessionForLine returns the Env a shell line runs on: env itself, or, when the line gives one of
// sessionFlags, a child of env with the line's settings and a session of its own (the caller shuts
// it down after the line). The line is parsed here only to find those flags; a line that does not
// parse runs on env, where the parse fails again and says why.
func sessionForLine(env *Env, words []string) (*Env, error) {
	root, s := newRootCmd(env, true)
	cmd, rest, err := root.Find(words)
	if err != nil || cmd == root || cmd.ParseFlags(rest) != nil {
		return env, nil
	}
	var given []string
	for _, f := range sessionFlags {
		if cmd.Flags().Changed(f) {
			given = append(given, "--"+f)
		}
	}
	if len(given) == 0 {
		return env, nil
	}
	flags := strings.Join(given, ", ")
	if cmd.Annotations[annotationShellState] == "true" {
		return nil, usageErrorf(cmd.CommandPath(), "%s: %s on a shell line apply to that line only, on a session of its own, "+
			"but %s changes the shell's own session or current znode (use connect, or start zksh with %s)", cmd.Name(), flags, cmd.Name(), flags)
	}
	// -w sets a ZooKeeper watch (a switch); status's --watch INTERVAL is a redraw interval.
	if w := cmd.Flags().Lookup("watch"); env.Interactive && w != nil && w.Changed && w.Value.Type() == "bool" {
		return nil, usageErrorf(cmd.CommandPath(), "%s -w: with %s the line runs on a session of its own, closed after the line, "+
			"which would drop the watch (set it without %s, or connect to those servers)", cmd.Name(), flags, flags)
	}
	// The line's session opens with its settings: its --auth-file credentials are read now.
	if err := resolveCredentials(context.Background(), s, env.IO, false, false); err != nil {
		return nil, usageErrorf(cmd.CommandPath(), "%v", err)
	}
	child := NewEnv(env.IO, *s)
	child.Settings.ReadOnly = s.ReadOnly || env.Settings.ReadOnly // the shell's --read-only holds for every line
	if cmd.Flags().Changed("server") {
		child.Settings.Local = false
	}
	child.Cwd, child.prevCwd = env.Cwd, env.prevCwd
	child.Interactive, child.Notify = env.Interactive, env.Notify
	child.stdinCommands = env.stdinCommands
	return child, nil
}

// AsUsage gives the errors cobra returns untyped (unknown command or flag, wrong arguments) their type,
// *UsageError, so that ExitCode maps them to 2 and PrintError adds a hint. Other errors are returned
// as they are; nil stays nil.
func AsUsage(err error) error {
	if err == nil {
		return nil
	}
	var ee *ExitError
	var ue *UsageError
	var un *zkclient.UnavailableError
	if errors.As(err, &ee) || errors.As(err, &ue) || errors.As(err, &un) {
		return err
	}
	if isCobraUsage(err) {
		return &UsageError{Err: err}
	}
	return err
}

func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument",
		"invalid argument \"", "accepts ", "requires at least", "requires at most", "required flag", "if any flags in the group"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// rangeArgs is cobra's argument count check, returning a usage error.
func rangeArgs(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < min || len(args) > max {
			want := fmt.Sprintf("%d to %d", min, max)
			if min == max {
				want = strconv.Itoa(min)
			}
			return usageErrorf(cmd.CommandPath(), "%s: wants %s argument(s), got %d", cmd.Name(), want, len(args))
		}
		return nil
	}
}
