// Package tlsfiles reads the key and trust stores that Apache ZooKeeper's configuration names (PEM,
// PKCS12 and JKS files) and translates its TLS settings (Java protocol and cipher suite names) into
// Go's crypto/tls, for the client (zkCli's client configuration) and the bundled server (zoo.cfg's
// ssl.* keys) alike.
package tlsfiles

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pavlo-v-chernykh/keystore-go/v4"
	"software.sslmate.com/src/go-pkcs12"
)

// Store types, as Java names them (ssl.keyStore.type).
const (
	PEM    = "PEM"
	PKCS12 = "PKCS12"
	JKS    = "JKS"
)

// StoreType is the store type given (case-insensitive), or, when none is, the one the file's
// extension implies, as Apache ZooKeeper infers it: .pem, .p12 or .pfx, .jks.
func StoreType(path, typ string) (string, error) {
	switch strings.ToUpper(typ) {
	case PEM, PKCS12, JKS:
		return strings.ToUpper(typ), nil
	case "":
	default:
		return "", fmt.Errorf("store type %q: want PEM, PKCS12 or JKS", typ)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".pem", ".crt", ".cer", ".key":
		return PEM, nil
	case ".p12", ".pfx", ".pkcs12":
		return PKCS12, nil
	case ".jks":
		return JKS, nil
	}
	return "", fmt.Errorf("%s: cannot tell the store type from the file name: give its type (PEM, PKCS12 or JKS)", path)
}

// KeyStore reads a private key and its certificate chain. A PEM key store holds the key and the
// certificates in one file (Apache's PEM format); PKCS12 and JKS ones are opened with password.
func KeyStore(path, password, typ string) (tls.Certificate, error) {
	typ, err := StoreType(path, typ)
	if err != nil {
		return tls.Certificate{}, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return tls.Certificate{}, err
	}
	var cert tls.Certificate
	switch typ {
	case PEM:
		cert, err = pemKeyStore(data)
	case PKCS12:
		cert, err = pkcs12KeyStore(data, password)
	case JKS:
		cert, err = jksKeyStore(data, password)
	}
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%s key store %s: %w", typ, path, err)
	}
	return cert, nil
}

// KeyPair reads a certificate chain file and a private key file, both PEM (openssl's usual pair).
func KeyPair(certFile, keyFile string) (tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("certificate %s and key %s: %w", certFile, keyFile, err)
	}
	return cert, nil
}

// TrustStore reads the certificates a peer's chain must lead to.
func TrustStore(path, password, typ string) (*x509.CertPool, error) {
	typ, err := StoreType(path, typ)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	switch typ {
	case PEM:
		certs, err = pemCertificates(data)
	case PKCS12:
		certs, err = pkcs12.DecodeTrustStore(data, password)
		if err == nil && len(certs) == 0 {
			// Not a Java trust store: a key store's chain is trusted as it stands.
			var leaf *x509.Certificate
			var cas []*x509.Certificate
			if _, leaf, cas, err = pkcs12.DecodeChain(data, password); err == nil {
				certs = append(cas, leaf)
			}
		}
	case JKS:
		certs, err = jksCertificates(data, password)
	}
	if err == nil && len(certs) == 0 {
		err = errors.New("no certificates in it")
	}
	if err != nil {
		return nil, fmt.Errorf("%s trust store %s: %w", typ, path, err)
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

func pemCertificates(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return certs, nil
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
}

func pemKeyStore(data []byte) (tls.Certificate, error) {
	var cert tls.Certificate
	var keyDER []byte
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch {
		case b.Type == "CERTIFICATE":
			cert.Certificate = append(cert.Certificate, b.Bytes)
		case b.Type == "ENCRYPTED PRIVATE KEY" || x509.IsEncryptedPEMBlock(b): //nolint:staticcheck // only to name it
			return cert, errors.New("the private key is encrypted, which is not supported: decrypt it (openssl pkcs8 -in KEY -out PLAIN) and protect the file instead")
		case strings.HasSuffix(b.Type, "PRIVATE KEY") && keyDER == nil:
			keyDER = pem.EncodeToMemory(b)
		}
	}
	if len(cert.Certificate) == 0 {
		return cert, errors.New("no certificate in it")
	}
	if keyDER == nil {
		return cert, errors.New("no private key in it")
	}
	var chain bytes.Buffer
	for _, der := range cert.Certificate {
		pem.Encode(&chain, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	return tls.X509KeyPair(chain.Bytes(), keyDER)
}

func pkcs12KeyStore(data []byte, password string) (tls.Certificate, error) {
	key, leaf, cas, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		return tls.Certificate{}, err
	}
	return chainCert(key, leaf, cas)
}

func chainCert(key any, leaf *x509.Certificate, cas []*x509.Certificate) (tls.Certificate, error) {
	signer, ok := key.(crypto.Signer)
	if !ok {
		return tls.Certificate{}, fmt.Errorf("unsupported private key type %T", key)
	}
	cert := tls.Certificate{PrivateKey: signer, Leaf: leaf, Certificate: [][]byte{leaf.Raw}}
	for _, c := range cas {
		cert.Certificate = append(cert.Certificate, c.Raw)
	}
	return cert, nil
}

func loadJKS(data []byte, password string) (keystore.KeyStore, error) {
	ks := keystore.New()
	if err := ks.Load(bytes.NewReader(data), []byte(password)); err != nil {
		return ks, err
	}
	return ks, nil
}

func jksKeyStore(data []byte, password string) (tls.Certificate, error) {
	ks, err := loadJKS(data, password)
	if err != nil {
		return tls.Certificate{}, err
	}
	aliases := ks.Aliases()
	sort.Strings(aliases)
	for _, alias := range aliases {
		if !ks.IsPrivateKeyEntry(alias) {
			continue
		}
		// keytool protects each key with the store's password unless told otherwise.
		entry, err := ks.GetPrivateKeyEntry(alias, []byte(password))
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("key %q: %w", alias, err)
		}
		key, err := x509.ParsePKCS8PrivateKey(entry.PrivateKey)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("key %q: %w", alias, err)
		}
		if len(entry.CertificateChain) == 0 {
			return tls.Certificate{}, fmt.Errorf("key %q has no certificate", alias)
		}
		var chain []*x509.Certificate
		for _, c := range entry.CertificateChain {
			x, err := x509.ParseCertificate(c.Content)
			if err != nil {
				return tls.Certificate{}, fmt.Errorf("key %q: %w", alias, err)
			}
			chain = append(chain, x)
		}
		return chainCert(key, chain[0], chain[1:])
	}
	return tls.Certificate{}, errors.New("no private key entry in it")
}

func jksCertificates(data []byte, password string) ([]*x509.Certificate, error) {
	ks, err := loadJKS(data, password)
	if err != nil {
		return nil, err
	}
	aliases := ks.Aliases()
	sort.Strings(aliases)
	var certs []*x509.Certificate
	for _, alias := range aliases {
		var ders [][]byte
		if ks.IsTrustedCertificateEntry(alias) {
			e, err := ks.GetTrustedCertificateEntry(alias)
			if err != nil {
				return nil, err
			}
			ders = append(ders, e.Certificate.Content)
		} else if ks.IsPrivateKeyEntry(alias) {
			chain, err := ks.GetPrivateKeyEntryCertificateChain(alias)
			if err != nil {
				return nil, err
			}
			for _, c := range chain {
				ders = append(ders, c.Content)
			}
		}
		for _, der := range ders {
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, fmt.Errorf("certificate %q: %w", alias, err)
			}
			certs = append(certs, c)
		}
	}
	return certs, nil
}

// Version maps a Java protocol name (TLSv1.2, TLSv1.3...) to Go's TLS version.
func Version(name string) (uint16, error) {
	switch strings.TrimSpace(name) {
	case "TLSv1.3":
		return tls.VersionTLS13, nil
	case "TLSv1.2":
		return tls.VersionTLS12, nil
	case "TLSv1.1":
		return tls.VersionTLS11, nil
	case "TLSv1":
		return tls.VersionTLS10, nil
	}
	return 0, fmt.Errorf("unknown TLS protocol %q: want TLSv1.2 or TLSv1.3 (or TLSv1.1, TLSv1)", name)
}

// Versions is the range of TLS versions to allow: ssl.enabledProtocols (a comma-separated list)
// when given, else ssl.protocol ("TLS" or "" = Go's defaults; TLSv1.3 also allows TLSv1.2, as Java
// does). Go allows a range, so a list with a gap (TLSv1.1,TLSv1.3) is refused.
func Versions(protocol, enabled string) (minV, maxV uint16, err error) {
	if strings.TrimSpace(enabled) != "" {
		var vs []uint16
		for _, n := range strings.Split(enabled, ",") {
			if strings.TrimSpace(n) == "" {
				continue
			}
			v, err := Version(n)
			if err != nil {
				return 0, 0, err
			}
			vs = append(vs, v)
		}
		sort.Slice(vs, func(i, j int) bool { return vs[i] < vs[j] })
		for i := 1; i < len(vs); i++ {
			if vs[i]-vs[i-1] > 1 {
				return 0, 0, fmt.Errorf("enabled protocols %q: a range without gaps is needed (Go enables a range of versions)", enabled)
			}
		}
		if len(vs) == 0 {
			return 0, 0, nil
		}
		return vs[0], vs[len(vs)-1], nil
	}
	switch p := strings.TrimSpace(protocol); p {
	case "", "TLS":
		return 0, 0, nil
	case "TLSv1.3":
		return tls.VersionTLS12, tls.VersionTLS13, nil
	default:
		v, err := Version(p)
		return v, v, err
	}
}

// CipherSuites maps Java cipher suite names (a comma-separated list) to Go's. Java and Go both use
// the IANA names; Java's old SSL_ prefix is read as TLS_. TLS 1.3 suites are accepted and left out
// of the result: Go always enables them. Names Go does not implement are an error naming them.
func CipherSuites(list string) ([]uint16, error) {
	known := map[string]uint16{}
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		known[s.Name] = s.ID
	}
	tls13 := map[string]bool{"TLS_AES_128_GCM_SHA256": true, "TLS_AES_256_GCM_SHA384": true, "TLS_CHACHA20_POLY1305_SHA256": true}
	var ids []uint16
	var unknown []string
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		goName := n
		if rest, ok := strings.CutPrefix(n, "SSL_"); ok {
			goName = "TLS_" + rest
		}
		if tls13[goName] {
			continue
		}
		id, ok := known[goName]
		if !ok {
			unknown = append(unknown, n)
			continue
		}
		ids = append(ids, id)
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("cipher suites not supported: %s", strings.Join(unknown, ", "))
	}
	return ids, nil
}
