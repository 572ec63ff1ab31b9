package zktest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// StorePassword protects every PKCS12 and JKS store Certs makes.
const StorePassword = "changeit"

// CertFiles are a test PKI's files, made by Certs in a temporary directory. Every *PEM pair is also
// in one file (cert then key) as Apache's PEM key store wants it: the *Bundle fields.
type CertFiles struct {
	Dir string
	// CA signed the server and client certificates; OtherCA signed nothing used here.
	CA, OtherCA string
	// The server's certificate names 127.0.0.1, localhost and zk.test.
	ServerCert, ServerKey, ServerBundle string
	// ExpiredCert is a server certificate from CA, for 127.0.0.1, that expired yesterday.
	ExpiredCert, ExpiredKey, ExpiredBundle string
	ClientCert, ClientKey, ClientBundle    string
}

// Certs makes a CA, a server and a client certificate (ECDSA P-256) with Go's crypto.
func Certs(t testing.TB) CertFiles {
	t.Helper()
	dir := t.TempDir()
	f := CertFiles{Dir: dir}
	now := time.Now()
	ca, caKey := mkCert(t, nil, nil, "zksh test CA", now, true)
	other, _ := mkCert(t, nil, nil, "some other CA", now, true)
	f.CA = writePEM(t, dir, "ca.pem", ca, nil)
	f.OtherCA = writePEM(t, dir, "other-ca.pem", other, nil)
	srv, srvKey := mkCert(t, ca, caKey, "zk.test", now, false)
	f.ServerCert = writePEM(t, dir, "server-cert.pem", srv, nil)
	f.ServerKey = writePEM(t, dir, "server-key.pem", nil, srvKey)
	f.ServerBundle = writePEM(t, dir, "server.pem", srv, srvKey)
	exp, expKey := mkCert(t, ca, caKey, "zk.test", now.Add(-48*time.Hour), false)
	f.ExpiredCert = writePEM(t, dir, "expired-cert.pem", exp, nil)
	f.ExpiredKey = writePEM(t, dir, "expired-key.pem", nil, expKey)
	f.ExpiredBundle = writePEM(t, dir, "expired.pem", exp, expKey)
	cl, clKey := mkCert(t, ca, caKey, "zksh client", now, false)
	f.ClientCert = writePEM(t, dir, "client-cert.pem", cl, nil)
	f.ClientKey = writePEM(t, dir, "client-key.pem", nil, clKey)
	f.ClientBundle = writePEM(t, dir, "client.pem", cl, clKey)
	return f
}

// mkCert makes a certificate valid for a day from notBefore, signed by parent (self-signed if nil).
func mkCert(t testing.TB, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, cn string, notBefore time.Time, isCA bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    notBefore.Add(-time.Hour),
		NotAfter:     notBefore.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	if isCA {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
		tmpl.DNSNames = []string{"localhost", "zk.test"}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

func writePEM(t testing.TB, dir, name string, cert *x509.Certificate, key *ecdsa.PrivateKey) string {
	t.Helper()
	var b []byte
	if cert != nil {
		b = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
	}
	if key != nil {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})...)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Keytool runs the JRE's keytool, skipping (failing in CI) without it.
func Keytool(t testing.TB, args ...string) {
	t.Helper()
	kt, err := exec.LookPath("keytool")
	if err != nil {
		missing(t, "keytool (from the JRE) not installed")
	}
	if out, err := exec.Command(kt, args...).CombinedOutput(); err != nil {
		t.Fatalf("keytool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TrustStore makes a trust store of type storeType (PKCS12 or JKS) holding the PEM certificate
// caPEM, with keytool, protected by StorePassword.
func TrustStore(t testing.TB, caPEM, storeType string) string {
	t.Helper()
	ext := map[string]string{"PKCS12": ".p12", "JKS": ".jks"}[storeType]
	p := filepath.Join(t.TempDir(), "trust-"+strings.TrimSuffix(filepath.Base(caPEM), ".pem")+ext)
	Keytool(t, "-importcert", "-noprompt", "-alias", "ca", "-file", caPEM, "-keystore", p,
		"-storetype", storeType, "-storepass", StorePassword)
	return p
}

// KeyStore makes a key store of type storeType (PKCS12 or JKS) from a PEM bundle (certificate then
// key, as Certs writes them), protected by StorePassword: the PKCS12 one with Go (go-pkcs12), the
// JKS one converted from it by keytool.
func KeyStore(t testing.TB, bundle, storeType string) string {
	t.Helper()
	data, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	var cert *x509.Certificate
	var key any
	for b, rest := pem.Decode(data); b != nil; b, rest = pem.Decode(rest) {
		switch b.Type {
		case "CERTIFICATE":
			if cert, err = x509.ParseCertificate(b.Bytes); err != nil {
				t.Fatal(err)
			}
		case "PRIVATE KEY":
			if key, err = x509.ParsePKCS8PrivateKey(b.Bytes); err != nil {
				t.Fatal(err)
			}
		}
	}
	base := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(bundle), ".pem"))
	p12, err := pkcs12.Modern.Encode(key, cert, nil, StorePassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(base+".p12", p12, 0o600); err != nil {
		t.Fatal(err)
	}
	if storeType == "PKCS12" {
		return base + ".p12"
	}
	Keytool(t, "-importkeystore", "-noprompt", "-srckeystore", base+".p12", "-srcstoretype", "PKCS12",
		"-srcstorepass", StorePassword, "-destkeystore", base+".jks", "-deststoretype", "JKS",
		"-deststorepass", StorePassword)
	return base + ".jks"
}
