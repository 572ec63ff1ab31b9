package commands

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/zksh/zksh/render"
)

// Settings are the global flags. Each has an environment twin (ZKSH_SERVER, ZKSH_OUTPUT...).
type Settings struct {
	Server         string        // connect string: "h1:2181,h2:2181/chroot"
	SessionTimeout time.Duration // requested session timeout
	ConnectTimeout time.Duration // how long a command waits for a session
	WaitTimeout    time.Duration // how long a one-shot -w waits for its event; 0 = no limit
	Auth           []string      // scheme:credential, added to every session
	AuthFiles      []string      // files of scheme:credential lines, read into Auth (see resolveCredentials)
	Output         string        // "table" | "plain" | "json" | "" (table on a terminal, plain otherwise)
	Verbose        bool          // let the session log to stderr
	KeepGoing      bool          // scripts: run on after a failing command
	Local          bool          // start an in-process server and use it
	Force          bool          // allow deleteall of / and /zookeeper
	DataDir        string        // --local persistence directory
	ReadOnly       bool          // refuse every command that would change ZooKeeper's data

	// TLS: any of these (or zookeeper.client.secure=true in ClientConfig) makes the connections TLS.
	TLS                   bool
	TLSCA                 string // PEM file of the CAs the server's certificate must lead to (default: the system's)
	TLSCert, TLSKey       string // PEM client certificate and key (or both in TLSCert)
	TLSServerName         string // the name to verify the server's certificate against
	TLSInsecureSkipVerify bool   // do not verify the server's certificate (warned about)
	ClientConfig          string // zkCli's -client-configuration file (Java properties)

	// SASL DIGEST-MD5: the Client section of a JAAS file, or a user with a password file (or a
	// hidden prompt). Passwords are never given on the command line.
	JAAS             string // JAAS login configuration file (zkCli's -Djava.security.auth.login.config)
	SASLUser         string
	SASLPasswordFile string

	// SASL GSSAPI (Kerberos): a keytab and principal, or the credential cache (KRB5CCNAME, after
	// kinit) with --kerberos or --kerberos-principal alone.
	Kerberos          bool
	KerberosKeytab    string
	KerberosPrincipal string

	// JVMFlags are the ZooKeeper system properties (and the JAAS file's) of CLIENT_JVMFLAGS and
	// JVMFLAGS, which zkCli.sh gives java: read as the client configuration's keys, which win
	// over them (readClientProperties). Read once, from the environment zksh was started in.
	JVMFlags map[string]JVMProperty
}

// Default values of the global flags.
const (
	DefaultServer         = "127.0.0.1:2181"
	DefaultSessionTimeout = 30 * time.Second
	DefaultConnectTimeout = 10 * time.Second
)

// maxSessionTimeout is the largest session timeout a client can ask for: ZooKeeper's connect
// request carries it as a 32-bit count of milliseconds.
const maxSessionTimeout = math.MaxInt32 * time.Millisecond

// checkSessionTimeout refuses a session timeout the connect request cannot carry.
func checkSessionTimeout(name string, d time.Duration) error {
	switch {
	case d > maxSessionTimeout:
		return fmt.Errorf("%s %v: too large: at most %v (%d ms: the session timeout is a 32-bit count of milliseconds)",
			name, d, maxSessionTimeout, maxSessionTimeout.Milliseconds())
	case d > 0 && d < time.Millisecond:
		return fmt.Errorf("%s %v: must be at least 1ms (the session timeout is a count of milliseconds)", name, d)
	}
	return nil
}

// defaultSettings are the global flags' values when neither a flag nor a ZKSH_* variable gives one.
func defaultSettings() Settings {
	return Settings{Server: DefaultServer, SessionTimeout: DefaultSessionTimeout, ConnectTimeout: DefaultConnectTimeout}
}

// bindSettings declares the global flags on fs, bound to s: s's values are their defaults. A flag and
// its environment twin are parsed by the same flag.Value, so both are refused with the same reason.
func bindSettings(fs *pflag.FlagSet, s *Settings) {
	fs.StringVar(&s.Server, "server", s.Server, "ZooKeeper connect string host:port[,host:port...][/chroot]; -s before the command (env ZKSH_SERVER)")
	fs.DurationVar(&s.SessionTimeout, "timeout", s.SessionTimeout, "session timeout (env ZKSH_TIMEOUT; zkCli's -timeout MS works too)")
	fs.DurationVar(&s.ConnectTimeout, "connect-timeout", s.ConnectTimeout, "give up connecting after this long (exit 3) (env ZKSH_CONNECT_TIMEOUT)")
	fs.DurationVar(&s.WaitTimeout, "wait-timeout", s.WaitTimeout, "one-shot -w: give up waiting for the event after this long, 0 = never (exit 3) (env ZKSH_WAIT_TIMEOUT)")
	fs.Var(&authValue{list: &s.Auth}, "auth", "add authentication scheme:credential to the session (repeatable); digest:USER asks for the password on a terminal, a password given here is visible in ps (env ZKSH_AUTH, one per line)")
	fs.StringArrayVar(&s.AuthFiles, "auth-file", s.AuthFiles, "add the scheme:credential lines of FILE (e.g. digest:user:password) to the session (repeatable) (env ZKSH_AUTH_FILE)")
	fs.VarP(&outputValue{&s.Output}, "output", "o", "output format: table, plain or json (default table on a terminal, else plain) (env ZKSH_OUTPUT)")
	boolVar(fs, &s.Verbose, "verbose", "show the session's connection log on stderr (env ZKSH_VERBOSE)")
	boolVar(fs, &s.KeepGoing, "keep-going", "scripts: run the remaining commands after one fails (env ZKSH_KEEP_GOING)")
	boolVar(fs, &s.Force, "force", "allow deleteall / and deleteall /zookeeper, a setAcl that leaves the session no admin permission, and edit of data that is not text")
	boolVar(fs, &s.Local, "local", "start a bundled in-process ZooKeeper server on a free loopback port and use it (env ZKSH_LOCAL)")
	boolVar(fs, &s.ReadOnly, "read-only", "refuse every command that would change ZooKeeper's data (create, set, delete...), before anything is sent (exit 2) (env ZKSH_READ_ONLY)")
	fs.StringVar(&s.DataDir, "data-dir", s.DataDir, "with --local: keep the server's data in DIR (default in memory) (env ZKSH_DATA_DIR)")
	boolVar(fs, &s.TLS, "tls", "connect over TLS, verifying the server's certificate against the system's CAs or --tls-ca (env ZKSH_TLS)")
	fs.StringVar(&s.TLSCA, "tls-ca", s.TLSCA, "PEM file of the CA certificates that sign the server's certificate; implies --tls (env ZKSH_TLS_CA)")
	fs.StringVar(&s.TLSCert, "tls-cert", s.TLSCert, "PEM client certificate for mutual TLS (with --tls-key, or holding the key too) (env ZKSH_TLS_CERT)")
	fs.StringVar(&s.TLSKey, "tls-key", s.TLSKey, "PEM private key of --tls-cert (env ZKSH_TLS_KEY)")
	fs.StringVar(&s.TLSServerName, "tls-server-name", s.TLSServerName, "verify the server's certificate against NAME instead of the connect string's host (env ZKSH_TLS_SERVER_NAME)")
	boolVar(fs, &s.TLSInsecureSkipVerify, "tls-insecure-skip-verify", "do NOT verify the server's certificate (testing only; warned about) (env ZKSH_TLS_INSECURE_SKIP_VERIFY)")
	fs.StringVar(&s.ClientConfig, "client-configuration", s.ClientConfig, "zkCli's client configuration file (zookeeper.client.secure, zookeeper.ssl.*, zookeeper.sasl.*); its keys win over the same -D properties of CLIENT_JVMFLAGS and JVMFLAGS, which zksh reads too (env ZKSH_CLIENT_CONFIGURATION)")
	fs.StringVar(&s.JAAS, "jaas", s.JAAS, "JAAS file whose Client section logs in with SASL: DigestLoginModule (username/password, DIGEST-MD5) or Krb5LoginModule (keytab or ticket cache, Kerberos), as zkCli's -Djava.security.auth.login.config (env ZKSH_JAAS)")
	fs.StringVar(&s.SASLUser, "sasl-user", s.SASLUser, "log in with SASL DIGEST-MD5 as USER; the password from --sasl-password-file or a hidden prompt (env ZKSH_SASL_USER)")
	fs.StringVar(&s.SASLPasswordFile, "sasl-password-file", s.SASLPasswordFile, "file holding the --sasl-user password (its first line) (env ZKSH_SASL_PASSWORD_FILE)")
	boolVar(fs, &s.Kerberos, "kerberos", "log in with SASL GSSAPI (Kerberos) from the credential cache (KRB5CCNAME, after kinit) (env ZKSH_KERBEROS)")
	fs.StringVar(&s.KerberosKeytab, "kerberos-keytab", s.KerberosKeytab, "log in with SASL GSSAPI (Kerberos) from this keytab, as --kerberos-principal (env ZKSH_KERBEROS_KEYTAB)")
	fs.StringVar(&s.KerberosPrincipal, "kerberos-principal", s.KerberosPrincipal, "the Kerberos principal to log in as (user or user@REALM); without --kerberos-keytab, from the credential cache (env ZKSH_KERBEROS_PRINCIPAL)")
}

// noEnvTwin are the global flags without a ZKSH_* variable: deleting / should never be a setting left
// behind in a shell profile.
var noEnvTwin = map[string]bool{"force": true}

// envName is the environment twin of a global flag: ZKSH_CONNECT_TIMEOUT for --connect-timeout.
func envName(flag string) string {
	return "ZKSH_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// authSeparator separates the credentials of ZKSH_AUTH. A credential cannot contain a line break
// (authValue refuses one), so no escaping is needed and no credential is ever split or altered.
const authSeparator = "\n"

// fillFromEnv sets each flag of fs that the command line did not give, and that skip does not name,
// from its ZKSH_* twin through the flag's own parser (flag.Value.Set), as etcdctl's SetPflagsFromEnv
// does: the variable is refused for the same reason the flag would be. An empty variable is unset.
func fillFromEnv(fs *pflag.FlagSet, getenv func(string) string, skip func(flag string) bool) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || noEnvTwin[f.Name] || skip != nil && skip(f.Name) {
			return
		}
		name := envName(f.Name)
		v := getenv(name)
		if v == "" {
			return
		}
		values := []string{v}
		if f.Name == "auth" {
			values = nil
			for _, line := range strings.Split(v, authSeparator) {
				if line != "" {
					values = append(values, line)
				}
			}
		}
		for _, x := range values {
			if e := fs.Set(f.Name, x); e != nil {
				shown := fmt.Sprintf(" %q", x)
				if f.Name == "auth" {
					shown = "" // a credential is never repeated: it may be a password
				}
				reason := e.Error()
				if m := pflagInvalid().FindStringSubmatch(reason); m != nil {
					reason = m[3]
				}
				err = usageErrorf("zksh", "invalid %s%s: %s", name, shown, flagReason(reason))
				return
			}
		}
	})
	return err
}

// validate refuses settings that cannot work, before anything is sent: durations out of range and a
// connect string that does not parse. name gives the flag or variable a value came from.
func (s Settings) validate(name func(flag string) string, given func(flag string) bool) error {
	// A zero value in Settings means the default; given explicitly it is a mistake.
	switch {
	case s.SessionTimeout < 0 || s.SessionTimeout == 0 && given("timeout"):
		return fmt.Errorf("%s %v: must be positive (e.g. 30s; zkCli's -timeout takes milliseconds)", name("timeout"), s.SessionTimeout)
	case s.ConnectTimeout < 0 || s.ConnectTimeout == 0 && given("connect-timeout"):
		return fmt.Errorf("%s %v: must be positive (e.g. 10s)", name("connect-timeout"), s.ConnectTimeout)
	case s.WaitTimeout < 0:
		return fmt.Errorf("%s %v: must not be negative (0 waits without limit)", name("wait-timeout"), s.WaitTimeout)
	}
	if err := checkSessionTimeout(name("timeout"), s.SessionTimeout); err != nil {
		return err
	}
	if s.Server == "" && !given("server") {
		return nil // a zero Settings from a caller: the session, if one is needed, says what is missing
	}
	if _, _, err := parseConnectString(s.Server); err != nil {
		var ue *UsageError
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if n := name("server"); n != "--server" {
			return fmt.Errorf("%s: %w", n, err)
		}
		return err
	}
	return nil
}

// DefaultSettings returns the defaults overridden by the ZKSH_* environment variables, validated.
func DefaultSettings(getenv func(string) string) (Settings, error) {
	s := defaultSettings()
	fs := pflag.NewFlagSet("zksh", pflag.ContinueOnError)
	bindSettings(fs, &s)
	if err := fillFromEnv(fs, getenv, nil); err != nil {
		return s, err
	}
	s.JVMFlags = readJVMFlags(getenv)
	fromEnv := func(f string) bool { return fs.Lookup(f).Changed }
	if err := s.validate(envName, fromEnv); err != nil {
		return s, &UsageError{Err: err}
	}
	return s, nil
}

// boolValue is a boolean flag that also reads yes/on and no/off, as its environment twin does.
type boolValue struct{ p *bool }

func boolVar(fs *pflag.FlagSet, p *bool, name, usage string) {
	f := fs.VarPF(boolValue{p}, name, "", usage)
	f.NoOptDefVal = "true"
}

func (b boolValue) Set(v string) error {
	x, ok := parseBool(v)
	if !ok || v == "" {
		return errors.New("want 1/true/yes/on or 0/false/no/off")
	}
	*b.p = x
	return nil
}
func (b boolValue) String() string   { return strconv.FormatBool(*b.p) }
func (b boolValue) Type() string     { return "bool" }
func (b boolValue) IsBoolFlag() bool { return true }

// parseBool reads a boolean value; empty is false, anything unrecognised is not ok.
func parseBool(v string) (value, ok bool) {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true, true
	case "", "0", "false", "no", "off":
		return false, true
	}
	return false, false
}

// outputValue is --output: one of the formats render knows, or empty for the default.
type outputValue struct{ p *string }

func (o outputValue) Set(v string) error {
	if _, err := render.ParseFormat(v, false); err != nil || v == "" {
		return errors.New("want table, plain or json")
	}
	*o.p = v
	return nil
}
func (o outputValue) String() string { return *o.p }
func (o outputValue) Type() string   { return "string" }

// authValue is --auth, repeatable: the first one given replaces the defaults, later ones add to it.
// Each is checked as it is parsed; the credential itself is never shown (not even as a default in
// help): it may be a password.
type authValue struct {
	list *[]string
	set  bool
}

func (a *authValue) Set(v string) error {
	if err := checkAuth(v); err != nil {
		return err
	}
	if !a.set {
		*a.list, a.set = nil, true
	}
	*a.list = append(*a.list, v)
	return nil
}
func (a *authValue) String() string { return "" }
func (a *authValue) Type() string   { return "stringArray" }

// checkAuth checks one scheme:credential of --auth, ZKSH_AUTH or an --auth-file line. digest:USER,
// without a password, passes: resolveCredentials asks for the password.
func checkAuth(v string) error {
	scheme, cred, ok := strings.Cut(v, ":")
	if !ok {
		return errors.New("want scheme:credential, e.g. digest:user:password")
	}
	if _, missing := digestWithoutPassword(scheme, cred); missing {
		return nil
	}
	if err := checkCredential(scheme, cred); err != nil {
		return err
	}
	return checkLineBreak(cred)
}

// checkLineBreak refuses a credential with a line break: ZKSH_AUTH separates credentials with them.
func checkLineBreak(cred string) error {
	if strings.ContainsAny(cred, "\r\n") {
		return errors.New("a credential cannot contain a line break")
	}
	return nil
}
