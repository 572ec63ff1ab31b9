package commands

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"github.com/go-zookeeper/zk"
	"github.com/spf13/cobra"

	"github.com/zksh/zksh/render"
)

// CdOptions are cd's parsed inputs.
type CdOptions struct {
	Env  *Env
	Path string
}

// NewCmdCd builds `cd [path]`: change the current znode ("cd -" goes back).
func NewCmdCd(env *Env, runF func(context.Context, *CdOptions) error) *cobra.Command {
	opts := &CdOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "cd [path]",
		Short: "Change the current znode (relative paths resolve against it)",
		Long:  `Change the current znode; without a path go to /, with - go back to the previous one.`,
		Args:  rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			arg := "/"
			if len(args) == 1 {
				arg = args[0]
			}
			if arg == "-" {
				arg = env.prevCwd
				if arg == "" {
					arg = env.Cwd
				}
			}
			p, err := resolveArg(cmd, env, arg)
			if err != nil {
				return err
			}
			opts.Path = p
			return runWith(cmd, opts, runF, cdRun)
		},
	}
	return pathArg(cmd)
}

func cdRun(ctx context.Context, opts *CdOptions) error {
	env := opts.Env
	c, err := env.Client(ctx)
	if err != nil {
		return pathError(opts.Path, err)
	}
	ok, _, err := c.Exists(opts.Path)
	if err != nil {
		return pathError(opts.Path, err)
	}
	if !ok {
		return pathError(opts.Path, zk.ErrNoNode)
	}
	if env.Cwd != opts.Path {
		env.prevCwd = env.Cwd
	}
	env.Cwd = opts.Path
	return nil
}

// PwdOptions are pwd's inputs.
type PwdOptions struct {
	Env *Env
}

// NewCmdPwd builds `pwd`.
func NewCmdPwd(env *Env, runF func(context.Context, *PwdOptions) error) *cobra.Command {
	opts := &PwdOptions{Env: env}
	return &cobra.Command{
		Use:   "pwd",
		Short: "Print the current znode",
		Args:  rangeArgs(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWith(cmd, opts, runF, pwdRun)
		},
	}
}

func pwdRun(_ context.Context, opts *PwdOptions) error {
	p, err := opts.Env.printer()
	if err != nil {
		return err
	}
	return p.Message(opts.Env.IO.Out, "path", opts.Env.Cwd)
}

// ConnectOptions are connect's parsed inputs.
type ConnectOptions struct {
	Env      *Env
	Server   string
	KeepAuth bool // send the credentials added so far to the new servers too
}

// NewCmdConnect builds `connect HOSTS`.
func NewCmdConnect(env *Env, runF func(context.Context, *ConnectOptions) error) *cobra.Command {
	opts := &ConnectOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "connect [--keep-auth] host:port[,host:port...][/chroot]",
		Short: "Close the session and connect to other servers",
		Long: `Close the session and connect to other servers. The credentials given so far (--auth,
ZKSH_AUTH, addauth) were given for the servers in use and are not sent to the new ones, unless
--keep-auth says so.`,
		Example: "  connect zk1:2181,zk2:2181/app\n  connect --keep-auth zk3:2181",
		Args:    rangeArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, _, err := parseConnectString(args[0]); err != nil {
				return err
			}
			opts.Server = args[0]
			return runWith(cmd, opts, runF, connectRun)
		},
	}
	cmd.Flags().BoolVar(&opts.KeepAuth, "keep-auth", false, "send the credentials given so far (--auth, addauth) to the new servers too")
	return cmd
}

func connectRun(ctx context.Context, opts *ConnectOptions) error {
	env := opts.Env
	env.Close()
	env.setServer(opts.Server)
	env.mu.Lock()
	// The servers named here are not --local's bundled one (which stays up): CLIENT_JVMFLAGS
	// applies to them, as to a line's -s.
	env.Settings.Local = false
	if !opts.KeepAuth {
		env.Settings.Auth = nil
	}
	env.mu.Unlock()
	env.Cwd, env.prevCwd = "/", ""
	if _, err := env.Client(ctx); err != nil {
		return pathError("", err)
	}
	return nil
}

// CloseOptions are close's inputs.
type CloseOptions struct {
	Env *Env
}

// NewCmdClose builds `close`: end the session (the next command opens a new one).
func NewCmdClose(env *Env, runF func(context.Context, *CloseOptions) error) *cobra.Command {
	opts := &CloseOptions{Env: env}
	return &cobra.Command{
		Use:   "close",
		Short: "Close the session (the next command opens a new one)",
		Args:  rangeArgs(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWith(cmd, opts, runF, closeRun)
		},
	}
}

func closeRun(_ context.Context, opts *CloseOptions) error {
	opts.Env.Close()
	return nil
}

// AddAuthOptions are addauth's parsed inputs.
type AddAuthOptions struct {
	Env    *Env
	Scheme string
	Cred   string
}

// NewCmdAddAuth builds `addauth scheme auth`.
func NewCmdAddAuth(env *Env, runF func(context.Context, *AddAuthOptions) error) *cobra.Command {
	opts := &AddAuthOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "addauth scheme auth",
		Short: "Add authentication to the session (e.g. addauth digest user:pass)",
		Long: `Add authentication to the session. In the interactive shell, addauth digest USER asks for the
password without echoing it (the line is never kept in the history either way).`,
		Example: "  addauth digest admin\n  addauth digest admin:secret",
		Args:    rangeArgs(2, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Scheme, opts.Cred = args[0], args[1]
			if user, missing := digestWithoutPassword(opts.Scheme, opts.Cred); missing {
				if !env.Interactive || !env.IO.InTTY || !env.IO.ErrTTY {
					return usageErrorf(cmd.CommandPath(), "addauth digest USER: no password: it is asked for only in the interactive shell; "+
						"give user:password, or digest:USER:PASSWORD in --auth-file FILE or ZKSH_AUTH")
				}
				password, err := readHiddenPassword(cmd.Context(), env.IO, fmt.Sprintf("Password for digest user %s: ", user))
				if err := cmd.Context().Err(); err != nil {
					return err // Ctrl-C while asking
				}
				if err != nil {
					return fmt.Errorf("addauth digest %s: reading the password: %w", user, err)
				}
				opts.Cred = user + ":" + password
			}
			if err := errors.Join(checkCredential(opts.Scheme, opts.Cred), checkLineBreak(opts.Cred)); err != nil {
				return usageErrorf(cmd.CommandPath(), "addauth: %v", err)
			}
			return runWith(cmd, opts, runF, addAuthRun)
		},
	}
	return cmd
}

func addAuthRun(ctx context.Context, opts *AddAuthOptions) error {
	env := opts.Env
	c, err := env.Client(ctx)
	if err != nil {
		return pathError("", err)
	}
	if err := c.AddAuth(opts.Scheme, opts.Cred); err != nil {
		return &ExitError{Code: classify(err),
			Err: fmt.Errorf("the server refused the %s credentials (%s)", opts.Scheme, describe(err))}
	}
	// Remember it, so a session opened after close (or connect --keep-auth) has it too.
	env.mu.Lock()
	env.Settings.Auth = append(env.Settings.Auth, opts.Scheme+":"+opts.Cred)
	env.mu.Unlock()
	return nil
}

// VersionOptions are version's inputs.
type VersionOptions struct {
	Env *Env
}

// NewCmdVersion builds `version`.
func NewCmdVersion(env *Env, runF func(context.Context, *VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{Env: env}
	return &cobra.Command{
		Use:   "version",
		Short: "Print zksh's version",
		Args:  rangeArgs(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWith(cmd, opts, runF, versionRun)
		},
	}
}

func versionRun(_ context.Context, opts *VersionOptions) error {
	p, err := opts.Env.printer()
	if err != nil {
		return err
	}
	return p.Version(opts.Env.IO.Out, render.Build{Version: Version, Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH})
}

// WhoAmIOptions are whoami's inputs.
type WhoAmIOptions struct {
	Env *Env
}

// NewCmdWhoAmI builds `whoami`: the identities the server gives this session's credentials.
func NewCmdWhoAmI(env *Env, runF func(context.Context, *WhoAmIOptions) error) *cobra.Command {
	opts := &WhoAmIOptions{Env: env}
	return &cobra.Command{
		Use:   "whoami",
		Short: "Print the identities the server associates with the session's credentials",
		Long: `Print the identities (scheme and user) the server associates with the session's credentials:
the client's ip, and one per --auth or addauth, asked on the session itself (whoAmI, ZooKeeper 3.7+).`,
		Args: rangeArgs(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWith(cmd, opts, runF, whoAmIRun)
		},
	}
}

func whoAmIRun(ctx context.Context, opts *WhoAmIOptions) error {
	env := opts.Env
	p, c, err := env.begin(ctx, "")
	if err != nil {
		return err
	}
	infos, _, err := c.WhoAmI(ctx)
	if err != nil {
		return pathError("", err)
	}
	ids := make([]render.Identity, 0, len(infos))
	for _, i := range infos {
		ids = append(ids, render.Identity{Scheme: i.Scheme, User: i.User})
	}
	return p.Identities(env.IO.Out, ids)
}
