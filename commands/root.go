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

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/render"
)

// Version is stamped at release time: -ldflags "-X github.com/zksh/zksh/commands.Version=v1.2.3".
var Version = "dev"

// NewRootCmd returns a fresh command tree bound to env. The shell builds one per line (cobra keeps flag
// values between executions); global flags given on a REPL line affect that line only.
func NewRootCmd(env *Env) *cobra.Command {
	s := env.Settings // this tree's copy; committed to env by one-shot runs only
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
				return usageErrorf("zksh", "unknown command %q", args[0])
			}
			return nil
		},
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if _, err := render.ParseFormat(s.Output, false); err != nil {
				return &UsageError{Cmd: cmd.CommandPath(), Err: err}
			}
			f := cmd.Flags()
			if s.Local && !f.Changed("local") && (f.Changed("server") || cmd.Name() == "server" && cmd.HasParent()) {
				s.Local = false // a flag, or the server command, wins over ZKSH_LOCAL
			}
			if err := checkSettings(cmd, s); err != nil {
				return err
			}
			env.line = &s
			if !env.Interactive {
				env.Settings = s
			}
			if s.Local && !env.Interactive {
				return env.startLocal()
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
	root.SetOut(env.IO.Out)
	root.SetErr(env.IO.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &UsageError{Cmd: c.CommandPath(), Err: flagError(c, err)}
	})
	root.Version = Version
	root.SetVersionTemplate("zksh version {{.Version}}\n")

	f := root.PersistentFlags()
	f.StringVar(&s.Server, "server", s.Server, "ZooKeeper connect string host:port[,host:port...][/chroot]; -s before the command (env ZKSH_SERVER)")
	f.DurationVar(&s.SessionTimeout, "timeout", s.SessionTimeout, "session timeout (env ZKSH_TIMEOUT; zkCli's -timeout MS works too)")
	f.DurationVar(&s.ConnectTimeout, "connect-timeout", s.ConnectTimeout, "give up connecting after this long (exit 3) (env ZKSH_CONNECT_TIMEOUT)")
	f.DurationVar(&s.WaitTimeout, "wait-timeout", s.WaitTimeout, "one-shot -w: give up waiting for the event after this long, 0 = never (exit 3) (env ZKSH_WAIT_TIMEOUT)")
	f.StringArrayVar(&s.Auth, "auth", s.Auth, "add authentication scheme:credential to the session, e.g. digest:user:pass (repeatable) (env ZKSH_AUTH)")
	f.StringVarP(&s.Output, "output", "o", s.Output, "output format: table, plain or json (default table on a terminal, else plain) (env ZKSH_OUTPUT)")
	f.BoolVar(&s.Verbose, "verbose", s.Verbose, "show go-zookeeper's connection log on stderr")
	f.BoolVar(&s.KeepGoing, "keep-going", s.KeepGoing, "scripts: run the remaining commands after one fails")
	f.BoolVar(&s.Force, "force", s.Force, "allow deleteall / and deleteall /zookeeper, and a setAcl that leaves the session no admin permission")
	f.BoolVar(&s.Local, "local", s.Local, "start a bundled in-process ZooKeeper server on a free loopback port and use it")
	f.StringVar(&s.DataDir, "data-dir", s.DataDir, "with --local: keep the server's data in DIR (default in memory)")
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "plain", "json"}, cobra.ShellCompDirectiveNoFileComp))

	root.AddGroup(&cobra.Group{ID: "znode", Title: "Znode commands:"}, &cobra.Group{ID: "session", Title: "Session and shell commands:"})
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
		NewCmdCreate(env, nil),
		NewCmdLs(env, nil),
		NewCmdGet(env, nil),
		NewCmdSet(env, nil),
		NewCmdDelete(env, nil),
		NewCmdDeleteAll(env, nil),
		NewCmdStat(env, nil),
		NewCmdGetACL(env, nil),
		NewCmdSetACL(env, nil),
		NewCmdSync(env, nil),
		NewCmdGetAllChildrenNumber(env, nil),
		NewCmdGetEphemerals(env, nil),
	)
	add("session",
		NewCmdCd(env, nil),
		NewCmdPwd(env),
		NewCmdConnect(env, nil),
		NewCmdClose(env),
		NewCmdAddAuth(env, nil),
		NewCmdWhoAmI(env),
		NewCmdVersion(env),
	)
	for _, c := range extraCommands {
		root.AddCommand(c(env))
	}
	root.AddCommand(newExitCodesTopic())
	help := newHelpCmd(root)
	help.GroupID = "session"
	root.SetHelpCommand(help)
	root.SetCompletionCommandGroupID("session")
	return root
}

// pflagInvalid matches pflag's `invalid argument "abc" for "-v, --version" flag: strconv.ParseInt: ...`.
// Compiled on first use: start-up does no work a command does not need.
var pflagInvalid = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^invalid argument (".*") for "(.*)" flag: (.*)$`)
})

// flagError rewords pflag's message for a bad flag value without Go's parser internals:
// `set: invalid -v, --version "abc": not a number`.
func flagError(c *cobra.Command, err error) error {
	m := pflagInvalid().FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	reason := m[3]
	switch {
	case strings.HasSuffix(reason, "invalid syntax"):
		reason = "not a number"
	case strings.HasSuffix(reason, "value out of range"):
		reason = "out of range"
	case strings.HasPrefix(reason, "time: missing unit"):
		reason = "needs a unit (e.g. 5000ms or 5s)"
	case strings.HasPrefix(reason, "time: "):
		reason = "not a duration (e.g. 500ms, 30s, 1m)"
	}
	name := c.Name()
	if !c.HasParent() {
		name = "zksh"
	}
	return fmt.Errorf("%s: invalid %s %s: %s", name, m[2], m[1], reason)
}

// checkSettings refuses global settings that cannot work, before anything is sent.
func checkSettings(cmd *cobra.Command, s Settings) error {
	use := cmd.CommandPath()
	f := cmd.Flags()
	// A zero value in Settings means the default; given on the command line it is a mistake.
	switch {
	case s.SessionTimeout < 0 || s.SessionTimeout == 0 && f.Changed("timeout"):
		return usageErrorf(use, "--timeout %v: must be positive (e.g. 30s; zkCli's -timeout takes milliseconds)", s.SessionTimeout)
	case s.ConnectTimeout < 0 || s.ConnectTimeout == 0 && f.Changed("connect-timeout"):
		return usageErrorf(use, "--connect-timeout %v: must be positive (e.g. 10s)", s.ConnectTimeout)
	case s.WaitTimeout < 0:
		return usageErrorf(use, "--wait-timeout %v: must not be negative (0 waits without limit)", s.WaitTimeout)
	}
	if err := checkSessionTimeout("--timeout", s.SessionTimeout); err != nil {
		return &UsageError{Cmd: use, Err: err}
	}
	if s.Local && cmd.Name() == "server" && cmd.HasParent() {
		return usageErrorf(use, "server: --local starts a server of its own; use one or the other")
	}
	if s.Local && f.Changed("server") {
		return usageErrorf(use, "--local and --server cannot be combined: --local starts its own server")
	}
	if !s.Local && f.Changed("data-dir") && cmd.Name() != "server" {
		return usageErrorf(use, "--data-dir needs --local (or use zksh server --data-dir)")
	}
	return nil
}

// zkCliOnly are zkCli commands zksh does not have, with a pointer where there is one.
var zkCliOnly = map[string]string{
	"listquota": "", "setquota": "", "delquota": "",
	"printwatches": "", "removewatches": "", "addWatch": "",
	"config":   " (get /zookeeper/config shows the ensemble configuration)",
	"reconfig": "",
	"history":  " outside the shell (run zksh without a command)",
	"redo":     " outside the shell (run zksh without a command)",
	"quit":     " outside the shell",
	"exit":     " outside the shell",
}

// extraCommands are added by files compiled in optionally (the bundled server).
var extraCommands []func(*Env) *cobra.Command

const annotationPathArg = "zksh/path-arg"

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
func (e *Env) begin(ctx context.Context, op, path string) (render.Printer, *zkclient.Client, error) {
	p, err := e.printer()
	if err != nil {
		return nil, nil, err
	}
	c, err := e.Client(ctx)
	if err != nil {
		return nil, nil, opError(op, path, err)
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

func (e *Env) format() render.Format {
	f, _ := render.ParseFormat(e.settings().Output, e.IO.OutTTY)
	return f
}

// globalValueFlags are the global flags that take a value, for finding the command word.
var globalValueFlags = map[string]bool{"--server": true, "--timeout": true, "--connect-timeout": true,
	"--wait-timeout": true, "--auth": true, "--output": true, "-o": true, "--data-dir": true}

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
			return nil, usageErrorf("zksh", "zkCli's -client-configuration is not supported: zksh takes --server, --timeout and --auth (or ZKSH_* variables)")
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
	return out, nil
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
	settings, err := DefaultSettings(os.Getenv)
	if err != nil {
		PrintError(streams.ErrOut, err)
		return ExitCode(err)
	}
	env := NewEnv(streams, settings)
	defer env.shutdown()

	args, err = rewriteArgs(args)
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
// as the REPL and scripts do: ctx cancels it (Ctrl-C). The error it returns is typed (AsUsage), and a
// usage error's hint reads "help get" when env.Interactive.
func ExecuteLine(ctx context.Context, env *Env, words []string) error {
	root := NewRootCmd(env)
	root.SetArgs(words)
	root.SetIn(env.IO.In)
	err := AsUsage(root.ExecuteContext(ctx))
	var ue *UsageError
	if env.Interactive && errors.As(err, &ue) {
		ue.Interactive = true
	}
	return err
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
