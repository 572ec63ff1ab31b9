package server

import (
	"crypto/tls"
	"net"
)

// x509ID is the identity Apache's X509AuthenticationProvider gives a client of the secure port
// whose certificate was verified: the certificate's subject, as RFC 2253 writes it (CN=...,O=...).
// The handshake is over by then: the connect request is read after it.
func x509ID(nc net.Conn) (string, bool) {
	tc, ok := nc.(*tls.Conn)
	if !ok {
		return "", false
	}
	st := tc.ConnectionState()
	if len(st.VerifiedChains) == 0 || len(st.PeerCertificates) == 0 {
		return "", false
	}
	return st.PeerCertificates[0].Subject.String(), true
}
