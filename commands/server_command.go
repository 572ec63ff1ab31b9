package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zksh/zksh/server"
)

// ServerOptions are the server command's parsed inputs.
type ServerOptions struct {
	Env     *Env
	Config  server.Config
	Storage string // what the start-up line says about persistence
}

// NewCmdServer builds `server [--config zoo.cfg] [--port 2181] [--bind 127.0.0.1] [--data-dir DIR] [--repair]`.
func NewCmdServer(env *Env, runF func(context.Context, *ServerOptions) error) *cobra.Command {
	opts := &ServerOptions{Env: env}
	var (
		configFile, bind string
		jaasFile         string
		port, securePort int
		repair           bool
	)
	cmd := &cobra.Command{
		Use:   "server [--config zoo.cfg] [--port 2181] [--bind 127.0.0.1] [--data-dir DIR]",
		Short: "Run the bundled ZooKeeper server in the foreground",
		Long: `Run the bundled single-node ZooKeeper server in the foreground until SIGINT or SIGTERM.
It prints one line on stderr once it accepts connections. --config reads a zoo.cfg as Apache ZooKeeper
does (clientPort, clientPortAddress, dataDir, tickTime, ...); flags given explicitly override it.
secureClientPort and the ssl.* keys (ssl.keyStore.*, ssl.trustStore.*, ssl.clientAuth, ssl.protocol,
ssl.enabledProtocols, ssl.ciphersuites) serve TLS on a second port, beside clientPort, as Apache does.
Without clientPortAddress it listens on --bind (127.0.0.1), not on every interface as Apache does.
Settings neither given nor in the file take Apache ZooKeeper's defaults (maxClientCnxns 60, ...).
Without a data directory the tree lives in memory. A transaction log damaged before its end stops
it (exit 3) and is left as it is; --repair cuts the log at the damage, dropping the writes from there.
A directory of Apache ZooKeeper's, or a zoo.cfg with server.N lines, is refused (exit 2).
SASL DIGEST-MD5 as Apache's: --jaas names a JAAS file whose Server section lists the users
(org.apache.zookeeper.server.auth.DigestLoginModule required user_bob="secret";), and
authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider in zoo.cfg makes sasl:
ACLs valid. The -D properties of SERVER_JVMFLAGS that Apache's server reads for this
(java.security.auth.login.config, zookeeper.authProvider.N, zookeeper.superUser, ...) are read too;
--jaas overrides the first. Kerberos is not supported.`,
		Example: "  zksh server --port 2181\n  zksh server --config /etc/zookeeper/zoo.cfg\n  zksh server --config zoo.cfg --jaas jaas.conf",
		Args:    rangeArgs(0, 0),
		GroupID: "session",
		RunE: func(cmd *cobra.Command, args []string) error {
			if env.Interactive {
				return usageErrorf(cmd.CommandPath(), "server runs in the foreground: start it from your system shell")
			}
			if port < 0 || port > 65535 {
				return usageErrorf(cmd.CommandPath(), "server: --port %d: want 0 to 65535 (0 picks a free port)", port)
			}
			// Without --config, Apache ZooKeeper's defaults (those of an empty zoo.cfg: 60 connections
			// per client address, tickTime 2s...), not the Go API's zero values (unlimited connections).
			cfg, _, err := server.ParseConfig(strings.NewReader(""))
			if err != nil {
				return &ExitError{Code: ExitUnavailable, Op: cmd.Name(), Err: err}
			}
			if configFile != "" {
				c, warnings, err := server.LoadConfigFile(configFile)
				if err != nil {
					return usageErrorf(cmd.CommandPath(), "server --config %s: %v", configFile, err)
				}
				for _, w := range warnings {
					fmt.Fprintf(env.IO.ErrOut, "zksh server: warning: %s\n", w)
				}
				cfg = c
			}
			if err := serverSASL(&cfg, jaasFile, os.Getenv("SERVER_JVMFLAGS"), env.IO.ErrOut); err != nil {
				return usageErrorf(cmd.CommandPath(), "server: %v", err)
			}
			if cmd.Flags().Changed("port") || configFile == "" {
				cfg.ClientPort = port
				cfg.NoClientPort = false
			}
			if cmd.Flags().Changed("secure-port") {
				if securePort < 0 || securePort > 65535 {
					return usageErrorf(cmd.CommandPath(), "server: --secure-port %d: want 0 to 65535 (0 picks a free port)", securePort)
				}
				if cfg.TLS == nil {
					return usageErrorf(cmd.CommandPath(), "server: --secure-port needs the server's key and certificate: give a --config with ssl.keyStore.location (and secureClientPort)")
				}
				cfg.SecureClientPort = securePort
			}
			// A zoo.cfg without clientPortAddress makes Apache listen on every interface; zksh stays on
			// --bind (loopback by default) unless told otherwise.
			if cmd.Flags().Changed("bind") || cfg.ClientPortAddress == "" {
				cfg.ClientPortAddress = bind
			}
			if d := env.settings().DataDir; d != "" {
				cfg.DataDir = d
			}
			cfg.Logger = warnLogger(env.IO.ErrOut)
			if env.settings().Verbose {
				cfg.Logger = slog.New(slog.NewTextHandler(env.IO.ErrOut, nil))
			}
			cfg.RepairLog = repair
			opts.Config = cfg
			opts.Storage = "in memory"
			if cfg.DataDir != "" {
				opts.Storage = "data in " + cfg.DataDir
			}
			return runWith(cmd, opts, runF, serverRun)
		},
	}
	cmd.Flags().StringVar(&configFile, "config", "", "read settings from a zoo.cfg")
	cmd.Flags().IntVar(&port, "port", 2181, "client port (0 picks a free one)")
	cmd.Flags().IntVar(&securePort, "secure-port", 0, "TLS client port, overriding the zoo.cfg's secureClientPort (0 picks a free one); the ssl.* keys come from --config")
	cmd.Flags().StringVar(&jaasFile, "jaas", "", "JAAS file whose Server section lists the SASL DIGEST-MD5 users (Apache's -Djava.security.auth.login.config)")
	cmd.Flags().StringVar(&bind, "bind", "127.0.0.1", "address to listen on")
	cmd.Flags().BoolVar(&repair, "repair", false, "cut a damaged transaction log at its first damaged record (drops every write from there)")
	return cmd
}

// serverSASL applies the -D properties of jvmFlags (SERVER_JVMFLAGS) that the server reads, then
// the JAAS file: jaasFile, else the flags' java.security.auth.login.config. Warnings go to errOut.
func serverSASL(cfg *server.Config, jaasFile, jvmFlags string, errOut io.Writer) error {
	jaas := ""
	for _, f := range strings.Fields(jvmFlags) {
		prop, ok := strings.CutPrefix(f, "-D")
		if !ok {
			continue // JVM tuning (-Xmx...): nothing for this server
		}
		name, value, _ := strings.Cut(prop, "=")
		if name == "java.security.auth.login.config" {
			jaas = value
			continue
		}
		if w := cfg.SystemProperty(name, value); w != "" {
			fmt.Fprintf(errOut, "zksh server: warning: SERVER_JVMFLAGS: %s\n", w)
		}
	}
	if jaasFile != "" {
		jaas = jaasFile
	}
	if jaas == "" {
		return nil
	}
	warnings, err := cfg.LoadJAAS(jaas)
	for _, w := range warnings {
		fmt.Fprintf(errOut, "zksh server: warning: %s\n", w)
	}
	return err
}

// serverRun serves until ctx is cancelled (Main cancels it on SIGINT and SIGTERM).
func serverRun(ctx context.Context, opts *ServerOptions) error {
	s, err := server.New(opts.Config)
	if err != nil {
		return serverStartError("server", err)
	}
	if err := s.Start(); err != nil {
		_ = s.Close()
		return serverStartError("server", err)
	}
	switch {
	case s.SecureAddr() == "":
		fmt.Fprintf(opts.Env.IO.ErrOut, "zksh server listening on %s (%s)\n", s.Addr(), opts.Storage)
	case s.Addr() == "":
		fmt.Fprintf(opts.Env.IO.ErrOut, "zksh server listening on %s over TLS only (%s)\n", s.SecureAddr(), opts.Storage)
	default:
		fmt.Fprintf(opts.Env.IO.ErrOut, "zksh server listening on %s, and on %s over TLS (%s)\n", s.Addr(), s.SecureAddr(), opts.Storage)
	}
	<-ctx.Done()
	if err := s.Close(); err != nil {
		return &ExitError{Code: ExitRefused, Err: err}
	}
	return nil
}

// warnLogger shows the server's warnings and errors (a torn log tail dropped, a client cut off)
// on w.
func warnLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// serverStartError classifies why the bundled server did not start: a directory of Apache
// ZooKeeper's is a usage error (2); a damaged log or anything else leaves it unavailable (3).
func serverStartError(op string, err error) error {
	var apache *server.ApacheDataError
	if errors.As(err, &apache) {
		return &ExitError{Code: ExitUsage, Op: op, Err: err}
	}
	var damage *server.LogDamageError
	if errors.As(err, &damage) {
		err = fmt.Errorf("%w (zksh server --repair, with the same data directory, cuts the log there and drops them)", err)
	}
	return &ExitError{Code: ExitUnavailable, Op: op, Err: err}
}
