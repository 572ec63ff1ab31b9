package commands

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/zksh/zksh/internal/tlsfiles"
)

// tlsSettings are the TLS inputs from the flags (and ZKSH_TLS_*) and from zkCli's client
// configuration file, before they are read into a crypto/tls configuration.
type tlsSettings struct {
	on                    bool
	ca, cert, key         string // PEM files (--tls-ca, --tls-cert, --tls-key)
	serverName            string
	insecure              bool
	noHostnameCheck       bool // zookeeper.ssl.hostnameVerification=false
	keyStore, trustStore  store
	protocol, enabledList string
	ciphers               string
	versionsFrom          string // where protocol and enabledList came from, for messages
	ciphersFrom           string
}

// store is a Java key or trust store; from names the setting that gave it, for messages.
type store struct{ location, password, typ, from string }

// clientTLS builds the TLS configuration of every connection: nil when TLS is not asked for. The
// flags win over the client configuration file, which wins over the system properties of
// CLIENT_JVMFLAGS and JVMFLAGS (readClientProperties). Warnings (unknown keys, no verification) go
// to warn.
func clientTLS(s Settings, warn io.Writer) (*tls.Config, error) {
	props, err := readClientProperties(s, warn)
	if err != nil {
		return nil, err
	}
	t, err := readClientConfig(props)
	if err != nil {
		return nil, err
	}
	t.on = t.on || s.TLS || s.TLSCA != "" || s.TLSCert != "" || s.TLSKey != "" || s.TLSServerName != "" || s.TLSInsecureSkipVerify
	if !t.on {
		return nil, nil
	}
	if s.TLSCA != "" {
		t.ca, t.trustStore = s.TLSCA, store{}
	}
	if s.TLSCert != "" || s.TLSKey != "" {
		t.cert, t.key, t.keyStore = s.TLSCert, s.TLSKey, store{}
	}
	if s.TLSServerName != "" {
		t.serverName = s.TLSServerName
	}
	t.insecure = t.insecure || s.TLSInsecureSkipVerify
	return t.config(warn)
}

func (t tlsSettings) config(warn io.Writer) (*tls.Config, error) {
	conf := &tls.Config{ServerName: t.serverName}
	var err error
	switch {
	case t.ca != "":
		if conf.RootCAs, err = tlsfiles.TrustStore(t.ca, "", tlsfiles.PEM); err != nil {
			return nil, fmt.Errorf("--tls-ca: %w", err)
		}
	case t.trustStore.location != "":
		if conf.RootCAs, err = tlsfiles.TrustStore(t.trustStore.location, t.trustStore.password, t.trustStore.typ); err != nil {
			return nil, fmt.Errorf("%s: %w", t.trustStore.from, err)
		}
	}
	switch {
	case t.key == "" && t.cert != "":
		// One PEM file with the certificate and its key, as Apache's PEM key store.
		cert, err := tlsfiles.KeyStore(t.cert, "", tlsfiles.PEM)
		if err != nil {
			return nil, fmt.Errorf("--tls-cert (without --tls-key, the file must hold the key too): %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	case t.key != "" && t.cert == "":
		return nil, errors.New("--tls-key needs --tls-cert: the certificate that goes with the key")
	case t.cert != "":
		cert, err := tlsfiles.KeyPair(t.cert, t.key)
		if err != nil {
			return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	case t.keyStore.location != "":
		cert, err := tlsfiles.KeyStore(t.keyStore.location, t.keyStore.password, t.keyStore.typ)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.keyStore.from, err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	if conf.MinVersion, conf.MaxVersion, err = tlsfiles.Versions(t.protocol, t.enabledList); err != nil {
		return nil, fmt.Errorf("%s: zookeeper.ssl.protocol/enabledProtocols: %w", t.versionsFrom, err)
	}
	if t.ciphers != "" {
		if conf.CipherSuites, err = tlsfiles.CipherSuites(t.ciphers); err != nil {
			return nil, fmt.Errorf("%s: %w", t.ciphersFrom, err)
		}
	}
	switch {
	case t.insecure:
		fmt.Fprintln(warn, "zksh: WARNING: --tls-insecure-skip-verify: the server's certificate is NOT checked; "+
			"anyone between you and the server can read and change everything sent, credentials included")
		conf.InsecureSkipVerify = true
	case t.noHostnameCheck:
		// The chain is checked, the name is not (zkCli's zookeeper.ssl.hostnameVerification=false).
		roots := conf.RootCAs
		conf.InsecureSkipVerify = true
		conf.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the server sent no certificate")
			}
			opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool()}
			for _, c := range cs.PeerCertificates[1:] {
				opts.Intermediates.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(opts)
			return err
		}
	}
	return conf, nil
}

// readClientConfig reads zkCli's TLS settings from the client configuration file and the JVM
// flags' system properties (readClientProperties). Every key it knows is used or refused.
func readClientConfig(p clientProperties) (tlsSettings, error) {
	var t tlsSettings
	var err error
	password := func(key string) (string, error) {
		if path := p.values[key+"Path"]; path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				return "", fmt.Errorf("%s: %w", p.name(key+"Path"), err)
			}
			return strings.TrimRight(string(b), "\r\n"), nil
		}
		return p.values[key], nil
	}
	if t.on, err = p.boolean("zookeeper.client.secure", false); err != nil {
		return t, err
	}
	hostnames, err := p.boolean("zookeeper.ssl.hostnameVerification", true)
	if err != nil {
		return t, err
	}
	t.noHostnameCheck = !hostnames
	t.keyStore = store{location: p.values["zookeeper.ssl.keyStore.location"], typ: p.values["zookeeper.ssl.keyStore.type"],
		from: p.name("zookeeper.ssl.keyStore.location")}
	if t.keyStore.password, err = password("zookeeper.ssl.keyStore.password"); err != nil {
		return t, err
	}
	t.trustStore = store{location: p.values["zookeeper.ssl.trustStore.location"], typ: p.values["zookeeper.ssl.trustStore.type"],
		from: p.name("zookeeper.ssl.trustStore.location")}
	if t.trustStore.password, err = password("zookeeper.ssl.trustStore.password"); err != nil {
		return t, err
	}
	t.protocol, t.enabledList, t.ciphers = p.values["zookeeper.ssl.protocol"], p.values["zookeeper.ssl.enabledProtocols"], p.values["zookeeper.ssl.ciphersuites"]
	t.versionsFrom = p.where("zookeeper.ssl.protocol", "zookeeper.ssl.enabledProtocols")
	t.ciphersFrom = p.name("zookeeper.ssl.ciphersuites")
	// SASL (zookeeper.sasl.client, zookeeper.sasl.clientconfig) is read by clientSASL.
	if _, err := p.boolean("zookeeper.sasl.client", true); err != nil {
		return t, err
	}
	return t, nil
}

// clientConfigKeys are the client configuration keys zksh reads. zookeeper.clientCnxnSocket picks
// Java's socket implementation (Netty for TLS): zksh has one, which does both.
var clientConfigKeys = map[string]bool{
	"zookeeper.client.secure": true, "zookeeper.clientCnxnSocket": true,
	"zookeeper.ssl.keyStore.location": true, "zookeeper.ssl.keyStore.password": true,
	"zookeeper.ssl.keyStore.passwordPath": true, "zookeeper.ssl.keyStore.type": true,
	"zookeeper.ssl.trustStore.location": true, "zookeeper.ssl.trustStore.password": true,
	"zookeeper.ssl.trustStore.passwordPath": true, "zookeeper.ssl.trustStore.type": true,
	"zookeeper.ssl.hostnameVerification": true, "zookeeper.ssl.protocol": true,
	"zookeeper.ssl.enabledProtocols": true, "zookeeper.ssl.ciphersuites": true,
	"zookeeper.sasl.client": true, "zookeeper.sasl.clientconfig": true,
	"zookeeper.server.principal": true, "zookeeper.sasl.client.username": true,
}

// readProperties reads a Java properties file: key=value, key: value or key value lines, # and !
// comments. A line ending in a backslash continues on the next one.
func readProperties(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	props := map[string]string{}
	sc := bufio.NewScanner(f)
	var pending string
	for sc.Scan() {
		line := strings.TrimLeft(sc.Text(), " \t\f")
		if pending == "" && (line == "" || line[0] == '#' || line[0] == '!') {
			continue
		}
		if strings.HasSuffix(line, `\`) && !strings.HasSuffix(line, `\\`) {
			pending += strings.TrimSuffix(line, `\`)
			continue
		}
		line, pending = pending+line, ""
		i := strings.IndexAny(line, "=: \t")
		if i < 0 {
			props[line] = ""
			continue
		}
		value := strings.TrimLeft(line[i:], " \t")
		if value != "" && (value[0] == '=' || value[0] == ':') {
			value = strings.TrimLeft(value[1:], " \t")
		}
		props[line[:i]] = value // trailing spaces are kept, as Java keeps them
	}
	return props, sc.Err()
}
