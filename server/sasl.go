package server

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zksh/zksh/jute"
)

// SASL DIGEST-MD5 (RFC 2831) as Apache ZooKeeper's server runs it: a JAAS Server section gives the
// users and passwords (Config.SASLUsers); a client sends an empty token, the server answers with a
// challenge, the client with its digest, the server with rspauth, and the connection then has the
// identity sasl:USER. Any failure is answered AuthFailed and closes the connection (the session
// stays until it expires), unless Config.AllowSASLFailedClients.

// saslRealm and saslURI are what Apache's server is created with: protocol "zookeeper", server
// name "zk-sasl-md5", which is also its only realm.
const (
	saslRealm = "zk-sasl-md5"
	saslURI   = "zookeeper/" + saslRealm
	// saslMaxResponse is the longest digest response accepted, as Java's DIGEST-MD5 server.
	saslMaxResponse = 4096
)

// SASLAuthenticationProvider is the class zoo.cfg's authProvider.N names for the sasl ACL scheme.
const SASLAuthenticationProvider = "org.apache.zookeeper.server.auth.SASLAuthenticationProvider"

// digestMD5 is one connection's DIGEST-MD5 exchange.
type digestMD5 struct {
	step  int // 0: nothing received; 1: challenge sent; 2: complete
	nonce string
}

// saslToken is GetSASLRequest and SetSASLResponse: one buffer, null when Token is nil.
type saslToken struct{ Token []byte }

func (t *saslToken) Encode(e *jute.Encoder) { e.Buffer(t.Token) }
func (t *saslToken) Decode(d *jute.Decoder) { t.Token = d.Buffer() }

// opSASL runs one step of a connection's SASL exchange. The reply carries zxid 0. Without a JAAS
// Server section Apache answers OK with a null token.
func (s *Server) opSASL(r *request) (jute.Record, int32) {
	var req saslToken
	if !decode(r.body, &req) {
		r.noReply, r.close = true, true
		return nil, jute.ErrMarshallingError
	}
	if s.cfg.SASLUsers == nil {
		return &saslToken{}, jute.ErrOK
	}
	if r.c.sasl == nil {
		r.c.sasl = &digestMD5{}
	}
	token, user, err := r.c.sasl.evaluate(req.Token, s.saslPassword)
	if err != nil {
		s.log.Warn("client failed to SASL authenticate", "client", r.c.remote, "err", err)
		required := s.saslRequired()
		if s.cfg.AllowSASLFailedClients && !required {
			return &saslToken{}, jute.ErrOK
		}
		code := jute.ErrAuthFailed
		if required {
			code = jute.ErrSessionClosedRequireSASL
		}
		// The failure carries a null token, and the connection closes after it.
		r.c.enqueueReply(jute.ReplyHeader{Xid: r.xid, Err: code}, &saslToken{})
		r.noReply, r.close = true, true
		return nil, code
	}
	if user != "" {
		s.log.Info("SASL authenticated", "client", r.c.remote, "id", user)
		r.c.addAuth(jute.ID{Scheme: "sasl", ID: user})
		for _, su := range s.cfg.SASLSuperUsers {
			if su == user {
				r.c.addAuth(jute.ID{Scheme: "super", ID: ""})
				break
			}
		}
	}
	return &saslToken{Token: token}, jute.ErrOK
}

// saslRequired is AuthenticationHelper.isSaslAuthRequired: sasl is among the enforced schemes.
func (s *Server) saslRequired() bool {
	if s.cfg.EnforceAuth {
		for _, scheme := range s.cfg.EnforceAuthSchemes {
			if scheme == "sasl" {
				return true
			}
		}
	}
	return false
}

// enforcedAuth reports whether c has an identity of an enforced scheme. s.mu held.
func (s *Server) enforcedAuth(c *conn) bool {
	for _, id := range c.auth {
		for _, scheme := range s.cfg.EnforceAuthSchemes {
			if id.Scheme == scheme {
				return true
			}
		}
	}
	return false
}

// saslPassword is the JAAS password of user; user "super" takes SASLSuperPassword when it is set,
// as Apache's zookeeper.SASLAuthenticationProvider.superPassword.
func (s *Server) saslPassword(user string) (string, bool) {
	pw, ok := s.cfg.SASLUsers[user]
	if ok && user == "super" && s.cfg.SASLSuperPassword != "" {
		pw = s.cfg.SASLSuperPassword
	}
	return pw, ok
}

// evaluate takes the client's token and returns the server's, and the authorized identity once the
// exchange completes.
func (d *digestMD5) evaluate(token []byte, password func(string) (string, bool)) ([]byte, string, error) {
	if len(token) > saslMaxResponse {
		return nil, "", fmt.Errorf("DIGEST-MD5: response of %d bytes (at most %d)", len(token), saslMaxResponse)
	}
	switch d.step {
	case 0:
		// Whatever the client sends first (an initial response has no place in DIGEST-MD5), Java's
		// server answers with its challenge.
		var b [30]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, "", err
		}
		d.nonce = base64.StdEncoding.EncodeToString(b[:])
		d.step = 1
		return []byte(`realm="` + saslRealm + `",nonce="` + d.nonce + `",charset=utf-8,algorithm=md5-sess`), "", nil
	case 1:
		d.step = 2 // one response, right or wrong
		return d.verify(token, password)
	}
	return nil, "", errors.New("DIGEST-MD5: server at illegal state")
}

// verify checks a digest response and returns rspauth and the authorized identity.
func (d *digestMD5) verify(token []byte, password func(string) (string, bool)) ([]byte, string, error) {
	dir, err := parseDirectives(token)
	if err != nil {
		return nil, "", err
	}
	utf := false
	if cs, ok := dir["charset"]; ok {
		if !strings.EqualFold(cs, "utf-8") {
			return nil, "", fmt.Errorf("DIGEST-MD5: incompatible charset %q", cs)
		}
		utf = true
	}
	for _, k := range []string{"username", "nonce", "cnonce", "nc", "digest-uri", "response"} {
		if _, ok := dir[k]; !ok {
			return nil, "", fmt.Errorf("DIGEST-MD5: missing %s", k)
		}
	}
	realm := dir["realm"] // absent: the empty realm
	if _, ok := dir["realm"]; ok && realm != saslRealm {
		return nil, "", fmt.Errorf("DIGEST-MD5: nonexistent realm %q", realm)
	}
	if dir["nonce"] != d.nonce {
		return nil, "", errors.New("DIGEST-MD5: mismatched nonce")
	}
	if nc, err := strconv.ParseUint(dir["nc"], 16, 32); err != nil || nc != 1 {
		return nil, "", errors.New("DIGEST-MD5: nonce count does not match")
	}
	qop := "auth"
	if q, ok := dir["qop"]; ok && q != "auth" {
		return nil, "", fmt.Errorf("DIGEST-MD5: qop %q was not offered", q)
	}
	uri := dir["digest-uri"]
	if !strings.EqualFold(uri, saslURI) {
		return nil, "", fmt.Errorf("DIGEST-MD5: mismatched URI %q (want %s)", uri, saslURI)
	}
	username := dir["username"]
	if !utf {
		username = latin1Decode(username)
	}
	pw, ok := password(username)
	if !ok {
		return nil, "", fmt.Errorf("DIGEST-MD5: no password for %q in realm %s", username, saslRealm)
	}
	enc := func(s string) string { return s }
	if !utf {
		enc = latin1Encode
	}
	authzid, hasAuthzid := dir["authzid"]
	// A1 = H(user:realm:password):nonce:cnonce[:authzid]; the raw user and realm bytes as sent.
	h := md5.Sum([]byte(dir["username"] + ":" + realm + ":" + enc(pw)))
	a1 := string(h[:]) + ":" + d.nonce + ":" + dir["cnonce"]
	if hasAuthzid {
		a1 += ":" + authzid
	}
	ha1 := hexMD5(a1)
	kd := func(a2 string) string {
		return hexMD5(ha1 + ":" + d.nonce + ":" + dir["nc"] + ":" + dir["cnonce"] + ":" + qop + ":" + hexMD5(a2))
	}
	want := kd("AUTHENTICATE:" + uri)
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(dir["response"]))) != 1 {
		return nil, "", errors.New("DIGEST-MD5: mismatched response (wrong password)")
	}
	id, err := saslIdentity(username, authzid, hasAuthzid)
	if err != nil {
		return nil, "", err
	}
	return []byte("rspauth=" + kd(":"+uri)), id, nil
}

func hexMD5(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// kerberosName is the form Apache's KerberosName parses: name[/host]@realm.
var kerberosName = regexp.MustCompile(`^([^/@]*)(/([^/@]*))?@([^/@]*)$`)

// saslIdentity is the authorized id Apache's SaslServerCallbackHandler gives: the authentication
// id's Kerberos short name, which for a name without '@' is the name itself. A name with a realm
// has no short name without Kerberos rules, so Apache keeps the authorization id (authzid, else
// the user name); a name with '@' that is no Kerberos name fails.
func saslIdentity(user, authzid string, hasAuthzid bool) (string, error) {
	if !strings.Contains(user, "@") {
		return user, nil
	}
	if !kerberosName.MatchString(user) {
		return "", fmt.Errorf("DIGEST-MD5: %q is not a valid Kerberos name", user)
	}
	if hasAuthzid {
		return authzid, nil
	}
	return user, nil
}

// validSASLACL is SASLAuthenticationProvider.isValid: any id Apache's KerberosName accepts.
func validSASLACL(id string) bool {
	return !strings.Contains(id, "@") || kerberosName.MatchString(id)
}

// latin1Decode reads bytes as ISO 8859-1.
func latin1Decode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}

// latin1Encode writes a string as ISO 8859-1, '?' for what it cannot hold (as Java's getBytes).
func latin1Encode(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff || r == utf8.RuneError {
			r = '?'
		}
		b = append(b, byte(r))
	}
	return string(b)
}

// parseDirectives reads a digest response: key=value pairs, values tokens or quoted strings
// (backslash escapes), separated by commas and optional white space. A directive given twice is
// refused.
func parseDirectives(b []byte) (map[string]string, error) {
	out := map[string]string{}
	i := 0
	skip := func() {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
			i++
		}
	}
	for {
		skip()
		for i < len(b) && b[i] == ',' {
			i++
			skip()
		}
		if i >= len(b) {
			return out, nil
		}
		start := i
		for i < len(b) && b[i] != '=' && b[i] != ',' && b[i] != ' ' && b[i] != '\t' {
			i++
		}
		key := strings.ToLower(string(b[start:i]))
		skip()
		if key == "" || i >= len(b) || b[i] != '=' {
			return nil, fmt.Errorf("DIGEST-MD5: malformed directive at byte %d", start)
		}
		i++
		skip()
		var val bytes.Buffer
		if i < len(b) && b[i] == '"' {
			i++
			closed := false
			for i < len(b) {
				c := b[i]
				i++
				if c == '\\' && i < len(b) {
					val.WriteByte(b[i])
					i++
					continue
				}
				if c == '"' {
					closed = true
					break
				}
				val.WriteByte(c)
			}
			if !closed {
				return nil, fmt.Errorf("DIGEST-MD5: unterminated quoted value of %s", key)
			}
		} else {
			for i < len(b) && b[i] != ',' && b[i] != ' ' && b[i] != '\t' {
				val.WriteByte(b[i])
				i++
			}
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("DIGEST-MD5: directive %s given twice", key)
		}
		out[key] = val.String()
		skip()
		if i < len(b) && b[i] != ',' {
			return nil, fmt.Errorf("DIGEST-MD5: malformed directive list at byte %d", i)
		}
	}
}
