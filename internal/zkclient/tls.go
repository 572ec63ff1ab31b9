package zkclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"
)

// TLSError is a TLS handshake with a server that failed: a certificate problem, or a server that
// does not speak TLS. Problem says what went wrong in the user's words.
type TLSError struct {
	Addr    string
	Problem string
	Err     error
}

func (e *TLSError) Error() string { return "TLS with " + e.Addr + ": " + e.Problem }
func (e *TLSError) Unwrap() error { return e.Err }

// dialer opens every connection of a Client (its session, helper sessions, the pipelined session):
// plain TCP, or TLS when the Config has a TLS configuration, with the handshake done here, so that a
// certificate problem is reported as itself and not as a connection closed later.
type dialer struct {
	tls     *tls.Config
	names   map[string]string // resolved "ip:port" → the host name of the connect string
	onAlert func(*TLSError)   // a TLS alert read after the handshake (a client certificate refused)
}

// newDialer resolves the host names of servers, so that a server dialled by address is verified
// against the name the user gave (go-zookeeper dials the addresses it resolved).
func newDialer(conf *tls.Config, servers []string) *dialer {
	d := &dialer{tls: conf, names: map[string]string{}}
	if conf == nil || conf.ServerName != "" {
		return d
	}
	for _, s := range servers {
		host, port, err := net.SplitHostPort(s)
		if err != nil || net.ParseIP(host) != nil {
			continue
		}
		addrs, _ := net.DefaultResolver.LookupHost(context.Background(), host)
		for _, a := range addrs {
			d.names[net.JoinHostPort(a, port)] = host
		}
	}
	return d
}

// handshakeTimeout bounds a TLS handshake: longer than go-zookeeper's one second for a TCP
// connection, as a handshake takes round trips and signatures (and a JVM's first one is slow).
const handshakeTimeout = 5 * time.Second

func (d *dialer) connect(ctx context.Context, network, addr string, timeout time.Duration) (net.Conn, error) {
	nd := net.Dialer{Timeout: timeout}
	c, err := nd.DialContext(ctx, network, addr)
	if err != nil || d.tls == nil {
		return c, err
	}
	ctx, cancel := context.WithTimeout(ctx, max(timeout, handshakeTimeout))
	defer cancel()
	conf := d.tls
	if conf.ServerName == "" {
		conf = conf.Clone()
		conf.ServerName = d.names[addr]
		if conf.ServerName == "" {
			conf.ServerName, _, _ = net.SplitHostPort(addr)
		}
	}
	tc := tls.Client(c, conf)
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, tlsProblem(addr, len(conf.Certificates) > 0 || conf.GetClientCertificate != nil, err)
	}
	return &alertConn{Conn: tc, addr: addr, sentCert: len(conf.Certificates) > 0 || conf.GetClientCertificate != nil, onAlert: d.onAlert}, nil
}

// alertConn notes a TLS alert that ends the connection before anything was read: with TLS 1.3 the
// server checks the client's certificate after the client's handshake is over, and its refusal
// arrives with the first read.
type alertConn struct {
	net.Conn
	addr     string
	sentCert bool
	onAlert  func(*TLSError)
	once     sync.Once
	read     bool
}

func (c *alertConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err != nil && !c.read && c.onAlert != nil && strings.Contains(err.Error(), "remote error: tls:") {
		c.once.Do(func() { c.onAlert(tlsProblem(c.addr, c.sentCert, err)) })
	}
	if n > 0 {
		c.read = true
	}
	return n, err
}

// tlsProblem names what went wrong in a TLS handshake.
func tlsProblem(addr string, sentCert bool, err error) *TLSError {
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		record    tls.RecordHeaderError
	)
	msg := err.Error()
	var problem string
	switch {
	case errors.As(err, &unknownCA):
		problem = "the server's certificate is signed by an unknown authority"
		if c := unknownCA.Cert; c != nil {
			problem += fmt.Sprintf(" (issuer %q)", c.Issuer.String())
		}
		problem += ": give the CA that signed it (--tls-ca, or a trust store)"
	case errors.As(err, &hostname):
		problem = "the server's certificate does not match the server name: " + hostname.Error() +
			" (connect by a name it lists, or give --tls-server-name)"
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		problem = "the server's certificate has expired or is not yet valid: " + invalid.Error()
	case errors.As(err, &invalid):
		problem = "the server's certificate is not valid: " + invalid.Error()
	case errors.As(err, &record):
		problem = "the server did not answer with TLS (is this its secure client port?)"
	case strings.Contains(msg, "certificate required"),
		!sentCert && strings.Contains(msg, "remote error: tls: bad certificate"),
		!sentCert && strings.Contains(msg, "remote error: tls: handshake failure"):
		problem = "the server requires a client certificate: give --tls-cert and --tls-key (or a key store)"
	case sentCert && strings.Contains(msg, "remote error: tls:"):
		problem = "the server refused the client certificate (" + strings.TrimPrefix(msg[strings.Index(msg, "remote error: "):], "remote error: ") + ")"
	case errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || strings.Contains(msg, "connection reset"):
		problem = "the server closed the connection during the TLS handshake (is this its secure client port?)"
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(msg, "timeout"):
		problem = "no answer to the TLS handshake (is this its secure client port?)"
	default:
		problem = "handshake failed: " + msg
	}
	return &TLSError{Addr: addr, Problem: problem, Err: err}
}
