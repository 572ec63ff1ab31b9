package server_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zktest"
	"github.com/zksh/zksh/server"
)

// tlsServer starts a bundled server from zoo.cfg lines (secureClientPort=0 and the ssl.* keys).
func tlsServer(t *testing.T, lines ...string) *server.Server {
	t.Helper()
	cfg, _, err := server.ParseConfig(strings.NewReader(strings.Join(append([]string{"clientPort=0", "secureClientPort=0"}, lines...), "\n")))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ClientPortAddress = "127.0.0.1"
	cfg.ConnectTimeout = 2 * time.Second // a stalled handshake is dropped after it
	s, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func clientTLS(t *testing.T, f zktest.CertFiles, withCert bool) *tls.Config {
	t.Helper()
	pem, err := os.ReadFile(f.CA)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	c := &tls.Config{RootCAs: pool, ServerName: "zk.test"}
	if withCert {
		cert, err := tls.LoadX509KeyPair(f.ClientCert, f.ClientKey)
		if err != nil {
			t.Fatal(err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c
}

// zkOver opens a go-zookeeper session over TLS (conf) or plain TCP (nil) and creates, then reads, a
// znode: the whole protocol works over the port.
func zkOver(t *testing.T, addr string, conf *tls.Config, path string) error {
	t.Helper()
	dialer := func(network, address string, timeout time.Duration) (net.Conn, error) {
		if conf == nil {
			return net.DialTimeout(network, address, timeout)
		}
		return tls.DialWithDialer(&net.Dialer{Timeout: timeout}, network, address, conf)
	}
	conn, events, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithDialer(dialer), zk.WithLogInfo(false), zk.WithLogger(nopLog{}))
	if err != nil {
		return err
	}
	defer conn.Close()
	deadline := time.After(5 * time.Second)
	for conn.State() != zk.StateHasSession {
		select {
		case <-events:
		case <-deadline:
			return fmt.Errorf("no session over %s", addr)
		}
	}
	if _, err := conn.Create(path, []byte("v"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		return err
	}
	data, _, err := conn.Get(path)
	if err != nil || string(data) != "v" {
		return fmt.Errorf("get %s: %q, %v", path, data, err)
	}
	return nil
}

type nopLog struct{}

func (nopLog) Printf(string, ...any) {}

// TestSecureClientPort: the plain and TLS ports serve the same tree side by side, with each store
// type for the server's key; ssl.clientAuth=need refuses a client without a certificate.
func TestSecureClientPort(t *testing.T) {
	f := zktest.Certs(t)
	for _, typ := range []string{"PEM", "PKCS12", "JKS"} {
		t.Run(typ, func(t *testing.T) {
			keyStore, trustStore := f.ServerBundle, f.CA
			if typ != "PEM" {
				keyStore = zktest.KeyStore(t, f.ServerBundle, typ)
				trustStore = zktest.TrustStore(t, f.CA, typ)
			}
			s := tlsServer(t, "ssl.keyStore.location="+keyStore, "ssl.keyStore.password="+zktest.StorePassword,
				"ssl.trustStore.location="+trustStore, "ssl.trustStore.password="+zktest.StorePassword,
				"serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory")
			if s.SecureAddr() == "" || s.Addr() == "" || s.SecureAddr() == s.Addr() {
				t.Fatalf("addresses: plain %q, secure %q", s.Addr(), s.SecureAddr())
			}
			if err := zkOver(t, s.SecureAddr(), clientTLS(t, f, true), "/over-tls"); err != nil {
				t.Fatalf("mutual TLS: %v", err)
			}
			if err := zkOver(t, s.Addr(), nil, "/over-plain"); err != nil {
				t.Fatalf("plain port: %v", err)
			}
			if _, _, err := s.Get("/over-tls"); err != nil {
				t.Fatalf("the znode made over TLS: %v", err)
			}
			// Default ssl.clientAuth is need, as Apache's.
			conn, err := tls.Dial("tcp", s.SecureAddr(), clientTLS(t, f, false))
			if err == nil {
				conn.SetDeadline(time.Now().Add(5 * time.Second))
				_, err = conn.Read(make([]byte, 1))
				conn.Close()
			}
			if err == nil || !strings.Contains(err.Error(), "certificate required") && !strings.Contains(err.Error(), "bad certificate") {
				t.Fatalf("a client without a certificate: %v", err)
			}
		})
	}
}

func TestSecureClientPortClientAuthNone(t *testing.T) {
	f := zktest.Certs(t)
	s := tlsServer(t, "ssl.keyStore.location="+f.ServerBundle, "ssl.clientAuth=none", "ssl.protocol=TLSv1.2",
		"ssl.ciphersuites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")
	if err := zkOver(t, s.SecureAddr(), clientTLS(t, f, false), "/a"); err != nil {
		t.Fatal(err)
	}
	conf := clientTLS(t, f, false)
	conf.MinVersion = tls.VersionTLS13
	if c, err := tls.Dial("tcp", s.SecureAddr(), conf); err == nil {
		c.Close()
		t.Fatal("TLS 1.3 accepted with ssl.protocol=TLSv1.2")
	}
}

// TestSecureClientPortConfigErrors: what cannot work is refused when the zoo.cfg is read, naming
// the key and the value.
func TestSecureClientPortConfigErrors(t *testing.T) {
	f := zktest.Certs(t)
	ks := "ssl.keyStore.location=" + f.ServerBundle
	for _, c := range []struct {
		lines []string
		want  string
	}{
		{nil, "ssl.keyStore.location is needed"},
		{[]string{"ssl.keyStore.location=" + filepath.Join(f.Dir, "missing.pem")}, "missing.pem"},
		{[]string{"ssl.keyStore.location=" + f.CA}, "no private key"},
		{[]string{ks, "ssl.clientAuth=maybe"}, `ssl.clientAuth "maybe"`},
		{[]string{ks, "ssl.protocol=SSLv3"}, `"SSLv3"`},
		{[]string{ks, "ssl.ciphersuites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"}, "not supported: TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
		{[]string{ks, "ssl.keyStore.type=BCFKS"}, `"BCFKS"`},
		{[]string{ks, "serverCnxnFactory=com.example.Factory"}, "com.example.Factory"},
	} {
		text := strings.Join(append([]string{"secureClientPort=2281"}, c.lines...), "\n")
		_, _, err := server.ParseConfig(strings.NewReader(text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v; want an error naming %q", c.lines, err, c.want)
		}
	}
	// Without clientPort only the secure port is served; ssl.* keys without secureClientPort warn.
	cfg, _, err := server.ParseConfig(strings.NewReader("secureClientPort=2281\n" + ks))
	if err != nil || !cfg.NoClientPort || cfg.TLS == nil || cfg.SecureClientPort != 2281 {
		t.Errorf("secure port only: %+v, %v", cfg, err)
	}
	_, warnings, err := server.ParseConfig(strings.NewReader(ks))
	if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0], "no secureClientPort") {
		t.Errorf("ssl.* without secureClientPort: %q, %v", warnings, err)
	}
}

// TestBadHandshakeClosesOnlyItsConnection: garbage and aborted handshakes on the secure port cost
// only their own connection; a session on either port carries on.
func TestBadHandshakeClosesOnlyItsConnection(t *testing.T) {
	f := zktest.Certs(t)
	s := tlsServer(t, "ssl.keyStore.location="+f.ServerBundle, "ssl.trustStore.location="+f.CA)
	conn, _, err := zk.Connect([]string{s.SecureAddr()}, 10*time.Second, zk.WithLogger(nopLog{}),
		zk.WithDialer(func(network, address string, timeout time.Duration) (net.Conn, error) {
			return tls.DialWithDialer(&net.Dialer{Timeout: timeout}, network, address, clientTLS(t, f, true))
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Create("/keep", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	sid := conn.SessionID()
	for _, garbage := range [][]byte{
		[]byte("ruok"),
		{0x16, 0x03, 0x01, 0xff, 0xff, 0x01},
		{0x16, 0x03, 0x03, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00},
		make([]byte, 4096),
	} {
		if err := sendGarbage(s.SecureAddr(), garbage, false); err != nil {
			t.Fatalf("%x: %v", garbage[:min(len(garbage), 8)], err)
		}
	}
	if _, _, err := conn.Get("/keep"); err != nil || conn.SessionID() != sid {
		t.Fatalf("the TLS session after bad handshakes: %v (session %x, was %x)", err, conn.SessionID(), sid)
	}
}

// sendGarbage writes b to addr and waits until the server closes the connection; with eof, it
// closes its own sending side after b (else the server closes it when the connect timeout passes).
func sendGarbage(addr string, b []byte, eof bool) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(15 * time.Second))
	c.Write(b)
	if eof {
		c.(*net.TCPConn).CloseWrite()
	}
	buf := make([]byte, 512)
	for {
		if _, err := c.Read(buf); err != nil {
			var ne net.Error
			if errorsAs(err, &ne) && ne.Timeout() {
				return fmt.Errorf("the server kept the connection open")
			}
			return nil
		}
	}
}

// FuzzTLSHandshake sends arbitrary bytes to the secure port: the server never panics, closes that
// connection, and keeps serving the session held open beside it.
func FuzzTLSHandshake(f *testing.F) {
	f.Add([]byte{0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b, 0x03, 0x03})
	f.Add([]byte("\x00\x00\x00\x2c\x00\x00\x00\x00"))
	f.Add([]byte{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28})
	f.Add([]byte{})
	certs := zktest.Certs(f)
	cfg, _, err := server.ParseConfig(strings.NewReader("clientPort=0\nsecureClientPort=0\nssl.clientAuth=want\nssl.keyStore.location=" + certs.ServerBundle))
	if err != nil {
		f.Fatal(err)
	}
	cfg.ConnectTimeout = 2 * time.Second
	s, err := server.New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	s.Start()
	defer s.Close()
	conn, _, err := zk.Connect([]string{s.Addr()}, 10*time.Second, zk.WithLogger(nopLog{}))
	if err != nil {
		f.Fatal(err)
	}
	defer conn.Close()
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := sendGarbage(s.SecureAddr(), b, true); err != nil {
			t.Fatal(err)
		}
		if _, _, err := conn.Exists("/"); err != nil {
			t.Fatalf("the plain session: %v", err)
		}
	})
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
