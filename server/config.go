package server

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/zksh/zksh/internal/tlsfiles"
	"github.com/zksh/zksh/jute"
)

// Config configures a Server. The zero value is an in-memory server on a free loopback port.
type Config struct {
	ClientPortAddress    string        // bind host, default "127.0.0.1"
	ClientPort           int           // 0 = pick a free port
	DataDir              string        // "" = in memory; else tree, sessions and zxid survive restart
	DataLogDir           string        // optional, defaults to DataDir
	TickTime             time.Duration // default 2s
	MinSessionTimeout    time.Duration // default 2*TickTime
	MaxSessionTimeout    time.Duration // default 20*TickTime
	MaxClientCnxns       int           // per client IP; 0 = unlimited; ParseConfig fills Apache's default 60
	FourLetterWords      []string      // whitelist; nil = Apache 3.8's default ("srvr"); "*" = all
	ExtendedTypesEnabled bool          // TTL nodes; else createTTL answers Unimplemented as Apache does
	ReconfigEnabled      bool          // reconfig answers Unimplemented (standalone); else ReconfigDisabled
	EnforceQuota         bool          // hard quota limits refuse writes (QuotaExceeded), as zookeeper.enforceQuota
	SuperDigest          string        // "super:base64(sha1(super:password))"
	JuteMaxBuffer        int           // default 0xfffff as Apache
	Logger               *slog.Logger  // nil = discard; warnings (a torn log tail dropped...) go here
	// RepairLog cuts a damaged transaction log at its first damaged record, dropping every record
	// from there (a warning says how many bytes and records), instead of refusing to start.
	RepairLog bool
	// ContainerCheckInterval is how often empty containers and expired TTL nodes are removed
	// (Apache's znode.container.checkIntervalMs, 60s there); default 100ms, so they go about as
	// soon as they are due. FastForward also runs the check.
	ContainerCheckInterval time.Duration
	// ConnectTimeout closes a connection that has not sent its connect request within it; default
	// 10s, Apache's zookeeper.nio.sessionlessCnxnTimeout.
	ConnectTimeout time.Duration
	// TLS, when set, serves a second port, SecureClientPort (0 = a free one), on
	// SecureClientPortAddress (default ClientPortAddress): the same server over TLS, beside the
	// plain port as Apache's secureClientPort. NoClientPort leaves the plain port out (a zoo.cfg
	// with secureClientPort and no clientPort).
	TLS                     *tls.Config
	SecureClientPort        int
	SecureClientPortAddress string
	NoClientPort            bool
	// SASLUsers, when not nil, answers the sasl opcode with DIGEST-MD5 as Apache does with a JAAS
	// Server section (ReadJAAS): user name to password, its user_NAME="password" options. A
	// client that authenticates has the identity sasl:NAME; one that fails is answered AuthFailed
	// and its connection closed, unless AllowSASLFailedClients (zookeeper.allowSaslFailedClients).
	SASLUsers              map[string]string
	AllowSASLFailedClients bool
	// SASLSuperUsers are SASL identities that are also the super user (zookeeper.superUser).
	SASLSuperUsers []string
	// SASLSuperPassword replaces user "super"'s JAAS password (zookeeper.SASLAuthenticationProvider.superPassword).
	SASLSuperPassword string
	// SASLACL makes sasl: ACLs valid, as Apache's SASLAuthenticationProvider named by
	// authProvider.N (zoo.cfg) or -Dzookeeper.authProvider.N; without it they are InvalidACL.
	SASLACL bool
	// EnforceAuth answers SessionClosedRequireSaslAuth, and closes the connection, to any request
	// but auth and sasl from a connection without an identity of one of EnforceAuthSchemes
	// (zookeeper.enforce.auth.enabled and zookeeper.enforce.auth.schemes; New refuses a scheme the
	// server does not have). zookeeper.sessionRequireClientSASLAuth=true is both with "sasl", and
	// then a failed SASL exchange is answered SessionClosedRequireSaslAuth too.
	EnforceAuth        bool
	EnforceAuthSchemes []string

	dynamicConfigFile string // zoo.cfg's dynamicConfigFile, checked by LoadConfigFile
	jaasSection       string // sasl.serverconfig: the JAAS section LoadJAAS reads, "" = "Server"
	requireSASL       bool   // sessionRequireClientSASLAuth: EnforceAuth with sasl, over the other keys
}

// DefaultMaxClientCnxns is Apache's default limit of connections per client address.
const DefaultMaxClientCnxns = 60

// defaultFourLetterWords is what Apache 3.8 allows when 4lw.commands.whitelist is unset.
var defaultFourLetterWords = []string{"srvr"}

func (c Config) withDefaults() Config {
	if c.ClientPortAddress == "" {
		c.ClientPortAddress = "127.0.0.1"
	}
	if c.TickTime <= 0 {
		c.TickTime = 2 * time.Second
	}
	if c.MinSessionTimeout <= 0 {
		c.MinSessionTimeout = 2 * c.TickTime
	}
	if c.MaxSessionTimeout <= 0 {
		c.MaxSessionTimeout = 20 * c.TickTime
	}
	if c.MaxSessionTimeout < c.MinSessionTimeout {
		c.MaxSessionTimeout = c.MinSessionTimeout
	}
	if c.JuteMaxBuffer <= 0 {
		c.JuteMaxBuffer = jute.DefaultMaxBuffer
	}
	if c.DataLogDir == "" {
		c.DataLogDir = c.DataDir
	}
	if c.FourLetterWords == nil {
		c.FourLetterWords = defaultFourLetterWords
	}
	if c.ContainerCheckInterval <= 0 {
		c.ContainerCheckInterval = 100 * time.Millisecond
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 10 * time.Second
	}
	if c.SecureClientPortAddress == "" {
		c.SecureClientPortAddress = c.ClientPortAddress
	}
	if c.requireSASL {
		c.EnforceAuth, c.EnforceAuthSchemes = true, []string{"sasl"}
	}
	return c
}

// checkEnforceAuth refuses what Apache's AuthenticationHelper refuses to start with.
func (c Config) checkEnforceAuth() error {
	if !c.EnforceAuth {
		return nil
	}
	if len(c.EnforceAuthSchemes) == 0 {
		return errors.New("zookeeper.enforce.auth.enabled is true: zookeeper.enforce.auth.schemes must be configured")
	}
	for _, scheme := range c.EnforceAuthSchemes {
		switch {
		case scheme == "digest", scheme == "ip", scheme == "sasl" && c.SASLACL, scheme == "x509" && c.TLS != nil:
		default:
			return fmt.Errorf("enforce.auth.schemes: authentication scheme %q is not available (sasl needs authProvider.N=%s)", scheme, SASLAuthenticationProvider)
		}
	}
	return nil
}

// ParseConfig reads a zoo.cfg (Java properties). It returns one warning per key it ignores, such as
// initLimit. Relative directories are kept as written; LoadConfigFile resolves them. A server.N
// line is an error: it is an ensemble member's configuration, and a single-node server started
// from it would accept writes on its own beside the ensemble (split brain).
func ParseConfig(r io.Reader) (Config, []string, error) {
	cfg, warnings, err := parseConfig(r)
	if err == nil && cfg.dynamicConfigFile != "" {
		warnings = append(warnings, fmt.Sprintf("dynamicConfigFile %s not read (LoadConfigFile reads it)", cfg.dynamicConfigFile))
	}
	return cfg, warnings, err
}

// ensembleError refuses an ensemble member's configuration.
func ensembleError(where, line string) error {
	return fmt.Errorf("%s: %q: this is an ensemble member's configuration, and the zksh server is single-node: "+
		"started from it, it would accept writes on its own, apart from the ensemble (split brain); "+
		"use a zoo.cfg without server.N lines", where, line)
}

func isServerLine(key string) bool {
	id, ok := strings.CutPrefix(key, "server.")
	if !ok || id == "" {
		return false
	}
	_, err := strconv.ParseUint(id, 10, 64)
	return err == nil
}

// serverTLS builds the secure port's TLS configuration from zoo.cfg's ssl.* keys, as Apache reads
// them: ssl.clientAuth defaults to need, and without a trust store the system's roots are trusted.
func serverTLS(ssl map[string]string) (*tls.Config, error) {
	password := func(store string) (string, error) {
		if p := ssl[store+".passwordPath"]; p != "" {
			b, err := os.ReadFile(p)
			if err != nil {
				return "", fmt.Errorf("%s.passwordPath: %w", store, err)
			}
			return strings.TrimRight(string(b), "\r\n"), nil
		}
		return ssl[store+".password"], nil
	}
	loc := ssl["ssl.keyStore.location"]
	if loc == "" {
		return nil, errors.New("ssl.keyStore.location is needed: the key and certificate the server presents")
	}
	pw, err := password("ssl.keyStore")
	if err != nil {
		return nil, err
	}
	cert, err := tlsfiles.KeyStore(loc, pw, ssl["ssl.keyStore.type"])
	if err != nil {
		return nil, fmt.Errorf("ssl.keyStore: %w", err)
	}
	conf := &tls.Config{Certificates: []tls.Certificate{cert}}
	if loc := ssl["ssl.trustStore.location"]; loc != "" {
		pw, err := password("ssl.trustStore")
		if err != nil {
			return nil, err
		}
		if conf.ClientCAs, err = tlsfiles.TrustStore(loc, pw, ssl["ssl.trustStore.type"]); err != nil {
			return nil, fmt.Errorf("ssl.trustStore: %w", err)
		}
	} else if conf.ClientCAs, err = x509.SystemCertPool(); err != nil {
		return nil, fmt.Errorf("no ssl.trustStore.location, and the system's trusted certificates: %w", err)
	}
	switch strings.ToLower(ssl["ssl.clientAuth"]) {
	case "", "need":
		conf.ClientAuth = tls.RequireAndVerifyClientCert
	case "want":
		conf.ClientAuth = tls.VerifyClientCertIfGiven
	case "none":
		conf.ClientAuth = tls.NoClientCert
	default:
		return nil, fmt.Errorf("ssl.clientAuth %q: want none, want or need", ssl["ssl.clientAuth"])
	}
	if conf.MinVersion, conf.MaxVersion, err = tlsfiles.Versions(ssl["ssl.protocol"], ssl["ssl.enabledProtocols"]); err != nil {
		return nil, fmt.Errorf("ssl.protocol/ssl.enabledProtocols: %w", err)
	}
	if list := ssl["ssl.ciphersuites"]; list != "" {
		if conf.CipherSuites, err = tlsfiles.CipherSuites(list); err != nil {
			return nil, fmt.Errorf("ssl.ciphersuites: %w", err)
		}
	}
	return conf, nil
}

func parseConfig(r io.Reader) (Config, []string, error) {
	cfg := Config{ClientPort: 2181, MaxClientCnxns: DefaultMaxClientCnxns}
	var warnings []string
	var minMs, maxMs int64 = -1, -1
	ssl := map[string]string{} // ssl.* keys, without a "zookeeper." prefix
	secure, plain := false, false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' || text[0] == '!' {
			continue
		}
		key, value, ok := splitProperty(text)
		if !ok {
			warnings = append(warnings, fmt.Sprintf("line %d: ignoring %q (no value)", line, text))
			continue
		}
		num := func() (int64, error) {
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("zoo.cfg line %d: %s: %q is not a number", line, key, value)
			}
			return n, nil
		}
		var err error
		var n int64
		if isServerLine(key) {
			return Config{}, warnings, ensembleError(fmt.Sprintf("zoo.cfg line %d", line), text)
		}
		switch key {
		case "dynamicConfigFile":
			cfg.dynamicConfigFile = value
		case "clientPort":
			if n, err = num(); err == nil {
				cfg.ClientPort = int(n)
				plain = true
			}
		case "secureClientPort":
			if n, err = num(); err == nil {
				cfg.SecureClientPort = int(n)
				secure = true
			}
		case "secureClientPortAddress":
			cfg.SecureClientPortAddress = value
		case "serverCnxnFactory":
			// Apache's NIO and Netty connection factories (Netty is what its TLS needs): the zksh
			// server has one way of serving connections, which does both.
			switch value {
			case "org.apache.zookeeper.server.NIOServerCnxnFactory", "org.apache.zookeeper.server.NettyServerCnxnFactory":
			default:
				err = fmt.Errorf("zoo.cfg line %d: serverCnxnFactory: %q is not a ZooKeeper connection factory (want org.apache.zookeeper.server.NettyServerCnxnFactory or NIOServerCnxnFactory)", line, value)
			}
		case "clientPortAddress":
			cfg.ClientPortAddress = value
		case "dataDir":
			cfg.DataDir = value
		case "dataLogDir":
			cfg.DataLogDir = value
		case "tickTime":
			if n, err = num(); err == nil {
				cfg.TickTime = time.Duration(n) * time.Millisecond
			}
		case "minSessionTimeout":
			minMs, err = num()
		case "maxSessionTimeout":
			maxMs, err = num()
		case "maxClientCnxns":
			if n, err = num(); err == nil {
				cfg.MaxClientCnxns = int(n)
			}
		case "4lw.commands.whitelist":
			cfg.FourLetterWords = []string{}
			for _, w := range strings.Split(value, ",") {
				if w = strings.TrimSpace(w); w != "" {
					cfg.FourLetterWords = append(cfg.FourLetterWords, w)
				}
			}
		case "extendedTypesEnabled", "zookeeper.extendedTypesEnabled":
			cfg.ExtendedTypesEnabled = strings.EqualFold(value, "true")
		case "reconfigEnabled":
			cfg.ReconfigEnabled = strings.EqualFold(value, "true")
		case "enforceQuota", "zookeeper.enforceQuota":
			cfg.EnforceQuota = strings.EqualFold(value, "true")
		case "DigestAuthenticationProvider.superDigest", "zookeeper.DigestAuthenticationProvider.superDigest":
			cfg.SuperDigest = value
		case "znode.container.checkIntervalMs":
			if n, err = num(); err == nil {
				cfg.ContainerCheckInterval = time.Duration(n) * time.Millisecond
			}
		case "jute.maxbuffer":
			if n, err = num(); err == nil {
				cfg.JuteMaxBuffer = int(n)
			}
		case "ssl.keyStore.location", "ssl.keyStore.password", "ssl.keyStore.passwordPath", "ssl.keyStore.type",
			"ssl.trustStore.location", "ssl.trustStore.password", "ssl.trustStore.passwordPath", "ssl.trustStore.type",
			"ssl.clientAuth", "ssl.protocol", "ssl.enabledProtocols", "ssl.ciphersuites",
			"zookeeper.ssl.keyStore.location", "zookeeper.ssl.keyStore.password", "zookeeper.ssl.keyStore.passwordPath",
			"zookeeper.ssl.keyStore.type", "zookeeper.ssl.trustStore.location", "zookeeper.ssl.trustStore.password",
			"zookeeper.ssl.trustStore.passwordPath", "zookeeper.ssl.trustStore.type", "zookeeper.ssl.clientAuth",
			"zookeeper.ssl.protocol", "zookeeper.ssl.enabledProtocols", "zookeeper.ssl.ciphersuites":
			ssl[strings.TrimPrefix(key, "zookeeper.")] = value
		default:
			if ok, warning := cfg.authProperty(key, value); !ok {
				warnings = append(warnings, fmt.Sprintf("ignoring zoo.cfg key %q (not supported by the zksh server)", key))
			} else if warning != "" {
				warnings = append(warnings, fmt.Sprintf("zoo.cfg line %d: %s", line, warning))
			}
		}
		if err != nil {
			return Config{}, warnings, err
		}
	}
	if err := sc.Err(); err != nil {
		return Config{}, warnings, err
	}
	if secure {
		var err error
		if cfg.TLS, err = serverTLS(ssl); err != nil {
			return Config{}, warnings, fmt.Errorf("zoo.cfg: secureClientPort: %w", err)
		}
		cfg.NoClientPort = !plain
	} else if len(ssl) > 0 {
		warnings = append(warnings, "ignoring the ssl.* keys: there is no secureClientPort")
	}
	tick := cfg.TickTime
	if tick <= 0 {
		tick = 2 * time.Second
	}
	if minMs > 0 {
		cfg.MinSessionTimeout = time.Duration(minMs) * time.Millisecond
	} else {
		cfg.MinSessionTimeout = 2 * tick
	}
	if maxMs > 0 {
		cfg.MaxSessionTimeout = time.Duration(maxMs) * time.Millisecond
	} else {
		cfg.MaxSessionTimeout = 20 * tick
	}
	if cfg.MinSessionTimeout > cfg.MaxSessionTimeout {
		return Config{}, warnings, fmt.Errorf("zoo.cfg: minSessionTimeout %v must not be larger than maxSessionTimeout %v",
			cfg.MinSessionTimeout, cfg.MaxSessionTimeout)
	}
	return cfg, warnings, nil
}

// splitProperty splits "key=value", "key: value" or "key value" as java.util.Properties does.
func splitProperty(line string) (string, string, bool) {
	i := strings.IndexAny(line, "=: \t")
	if i < 0 {
		return line, "", false
	}
	key := line[:i]
	rest := strings.TrimLeft(line[i:], " \t")
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = rest[1:]
	}
	return key, strings.TrimSpace(rest), true
}

// LoadConfigFile reads a zoo.cfg file. A relative dataDir or dataLogDir is taken relative to the
// working directory, as Apache ZooKeeper does (it uses the path as given to java.io.File).
func LoadConfigFile(path string) (Config, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, nil, err
	}
	defer f.Close()
	cfg, warnings, err := parseConfig(f)
	if err != nil {
		return cfg, warnings, fmt.Errorf("%s: %w", path, err)
	}
	if dyn := cfg.dynamicConfigFile; dyn != "" {
		servers, err := dynamicServers(dyn)
		if err != nil {
			return cfg, warnings, fmt.Errorf("%s: dynamicConfigFile: %w", path, err)
		}
		if servers != "" {
			return cfg, warnings, ensembleError(dyn, servers)
		}
		warnings = append(warnings, fmt.Sprintf("ignoring dynamicConfigFile %s (it names no servers)", dyn))
	}
	for _, dir := range []*string{&cfg.DataDir, &cfg.DataLogDir} {
		if *dir != "" && !filepath.IsAbs(*dir) {
			abs, err := filepath.Abs(*dir)
			if err != nil {
				return cfg, warnings, err
			}
			*dir = abs
		}
	}
	return cfg, warnings, nil
}

// dynamicServers returns the first server.N line of a dynamic configuration file, or "".
func dynamicServers(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if key, _, ok := splitProperty(line); ok && isServerLine(key) {
			return line, nil
		}
	}
	return "", nil
}

// authProperty applies one of Apache's authentication settings, given in zoo.cfg as KEY or on the
// JVM's command line as -Dzookeeper.KEY (Apache copies the zoo.cfg keys it does not know into
// zookeeper.* system properties). It returns false for a key it does not know, and a warning for
// a value it ignores.
func (c *Config) authProperty(key, value string) (known bool, warning string) {
	switch {
	case strings.HasPrefix(key, "authProvider."):
		// ProviderRegistry loads each class named; digest and ip are always there.
		switch value {
		case SASLAuthenticationProvider:
			c.SASLACL = true
		case "org.apache.zookeeper.server.auth.DigestAuthenticationProvider",
			"org.apache.zookeeper.server.auth.IPAuthenticationProvider":
		default:
			return true, fmt.Sprintf("%s: ignoring authentication provider %q (the zksh server has sasl, digest, ip, and x509 with TLS)", key, value)
		}
	case key == "superUser" || strings.HasPrefix(key, "superUser."):
		c.SASLSuperUsers = append(c.SASLSuperUsers, value)
	case key == "allowSaslFailedClients":
		c.AllowSASLFailedClients = strings.EqualFold(value, "true")
	case key == "SASLAuthenticationProvider.superPassword":
		c.SASLSuperPassword = value
	case key == "sasl.serverconfig":
		c.jaasSection = value
	case key == "sessionRequireClientSASLAuth":
		c.requireSASL = strings.EqualFold(value, "true")
	case key == "enforce.auth.enabled":
		c.EnforceAuth = strings.EqualFold(value, "true")
	case key == "enforce.auth.schemes":
		c.EnforceAuthSchemes = nil
		for _, scheme := range strings.Split(value, ",") {
			c.EnforceAuthSchemes = append(c.EnforceAuthSchemes, strings.TrimSpace(scheme))
		}
	default:
		return false, ""
	}
	return true, ""
}

// SystemProperty applies a JVM system property Apache's server reads (-Dname=value, as in
// SERVER_JVMFLAGS): the authentication ones (zookeeper.authProvider.N, zookeeper.superUser,
// zookeeper.allowSaslFailedClients, zookeeper.SASLAuthenticationProvider.superPassword,
// zookeeper.sasl.serverconfig, zookeeper.sessionRequireClientSASLAuth,
// zookeeper.enforce.auth.enabled and .schemes) and zookeeper.DigestAuthenticationProvider.superDigest. It returns
// a warning for any other, which it ignores; java.security.auth.login.config is the caller's, for
// LoadJAAS (after every property: the section name may come after it).
func (c *Config) SystemProperty(name, value string) (warning string) {
	key, ok := strings.CutPrefix(name, "zookeeper.")
	if ok && key == "DigestAuthenticationProvider.superDigest" {
		c.SuperDigest = value
		return ""
	}
	if ok {
		if known, w := c.authProperty(key, value); known {
			return w
		}
	}
	return fmt.Sprintf("ignoring system property %s (not read by the zksh server)", name)
}
