package tlsfiles_test

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"

	"github.com/zksh/zksh/internal/tlsfiles"
	"github.com/zksh/zksh/internal/zktest"
)

// TestStores reads the same key and trust in each store format and checks the key matches the
// certificate and the trust store verifies the server's certificate.
func TestStores(t *testing.T) {
	f := zktest.Certs(t)
	for _, typ := range []string{"PEM", "PKCS12", "JKS"} {
		t.Run(typ, func(t *testing.T) {
			keyStore, trustStore := f.ServerBundle, f.CA
			if typ != "PEM" {
				keyStore = zktest.KeyStore(t, f.ServerBundle, typ)
				trustStore = zktest.TrustStore(t, f.CA, typ)
			}
			cert, err := tlsfiles.KeyStore(keyStore, zktest.StorePassword, "")
			if err != nil {
				t.Fatal(err)
			}
			pool, err := tlsfiles.TrustStore(trustStore, zktest.StorePassword, "")
			if err != nil {
				t.Fatal(err)
			}
			leaf := cert.Leaf
			if leaf == nil {
				pair, err := tls.LoadX509KeyPair(f.ServerCert, f.ServerKey)
				if err != nil {
					t.Fatal(err)
				}
				if string(pair.Certificate[0]) != string(cert.Certificate[0]) {
					t.Fatal("a different certificate was read")
				}
				leaf = pair.Leaf
			}
			if _, err := leaf.Verify(x509Opts(pool)); err != nil {
				t.Errorf("server certificate not verified by the trust store: %v", err)
			}
			if typ != "PEM" {
				if _, err := tlsfiles.KeyStore(keyStore, "wrong", ""); err == nil {
					t.Error("a wrong password was accepted")
				}
			}
		})
	}
}

func TestStoreType(t *testing.T) {
	for _, c := range []struct{ path, typ, want string }{
		{"a.jks", "", "JKS"}, {"a.p12", "", "PKCS12"}, {"a.pfx", "", "PKCS12"}, {"a.pem", "", "PEM"},
		{"a.store", "pkcs12", "PKCS12"}, {"a.jks", "PEM", "PEM"},
	} {
		if got, err := tlsfiles.StoreType(c.path, c.typ); err != nil || got != c.want {
			t.Errorf("StoreType(%q, %q) = %q, %v; want %q", c.path, c.typ, got, err, c.want)
		}
	}
	for _, c := range [][2]string{{"a.store", ""}, {"a.p12", "BCFKS"}} {
		if _, err := tlsfiles.StoreType(c[0], c[1]); err == nil {
			t.Errorf("StoreType(%q, %q) accepted", c[0], c[1])
		}
	}
}

func TestCipherSuites(t *testing.T) {
	ids, err := tlsfiles.CipherSuites("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, SSL_RSA_WITH_AES_128_CBC_SHA,TLS_AES_128_GCM_SHA256")
	if err != nil || len(ids) != 2 || ids[0] != tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 || ids[1] != tls.TLS_RSA_WITH_AES_128_CBC_SHA {
		t.Fatalf("got %v, %v", ids, err)
	}
	_, err = tlsfiles.CipherSuites("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,TLS_FOO")
	if err == nil || !strings.Contains(err.Error(), "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, TLS_FOO") {
		t.Fatalf("unknown suites: %v", err)
	}
}

func TestVersions(t *testing.T) {
	for _, c := range []struct {
		protocol, enabled string
		min, max          uint16
	}{
		{"", "", 0, 0}, {"TLS", "", 0, 0}, {"TLSv1.2", "", tls.VersionTLS12, tls.VersionTLS12},
		{"TLSv1.3", "", tls.VersionTLS12, tls.VersionTLS13}, {"TLSv1.2", "TLSv1.3", tls.VersionTLS13, tls.VersionTLS13},
		{"", "TLSv1.3,TLSv1.2", tls.VersionTLS12, tls.VersionTLS13},
	} {
		lo, hi, err := tlsfiles.Versions(c.protocol, c.enabled)
		if err != nil || lo != c.min || hi != c.max {
			t.Errorf("Versions(%q, %q) = %x, %x, %v", c.protocol, c.enabled, lo, hi, err)
		}
	}
	for _, c := range [][2]string{{"SSLv3", ""}, {"", "TLSv1.1,TLSv1.3"}, {"", "TLSv9"}} {
		if _, _, err := tlsfiles.Versions(c[0], c[1]); err == nil {
			t.Errorf("Versions(%q, %q) accepted", c[0], c[1])
		}
	}
}

func x509Opts(pool *x509.CertPool) x509.VerifyOptions {
	return x509.VerifyOptions{Roots: pool, DNSName: "zk.test"}
}
