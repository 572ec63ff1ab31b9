package zkclient

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/jute"
)

// SASL DIGEST-MD5 (RFC 2831), as Apache's Java client runs it on every connection before anything
// else (opcode sasl, GetSASLRequest/SetSASLResponse records): an empty token, the server's
// challenge, the client's digest response, the server's rspauth, which the client checks. Apache's
// client creates its DIGEST-MD5 client with protocol "zookeeper" and server name "zk-sasl-md5",
// whatever the server's host: the digest-uri is zookeeper/zk-sasl-md5.

// SASL is a SASL DIGEST-MD5 login: the user and password of a JAAS Client section
// (DigestLoginModule). Its String never shows the password.
type SASL struct {
	User     string
	Password string

	// Kerberos, when set, makes the login SASL GSSAPI (User and Password are not used).
	Kerberos *Kerberos
}

func (s *SASL) String() string {
	if s.Kerberos != nil {
		return "SASL GSSAPI (Kerberos) principal " + s.Kerberos.name()
	}
	return "SASL DIGEST-MD5 user " + s.User
}

// Mechanism is the SASL mechanism of the login: GSSAPI or DIGEST-MD5.
func (s *SASL) Mechanism() string {
	if s.Kerberos != nil {
		return "GSSAPI"
	}
	return "DIGEST-MD5"
}

// Name is the login's user or principal, for messages.
func (s *SASL) Name() string {
	if s.Kerberos != nil {
		return s.Kerberos.name()
	}
	return s.User
}
func (s *SASL) GoString() string { return s.String() }

const (
	saslService = "zookeeper"
	saslHost    = "zk-sasl-md5"
	saslURI     = saslService + "/" + saslHost
)

// saslToken is GetSASLRequest and SetSASLResponse: one buffer.
type saslToken struct{ Token []byte }

func (t *saslToken) Encode(e *jute.Encoder) { e.Buffer(t.Token) }
func (t *saslToken) Decode(d *jute.Decoder) { t.Token = d.Buffer() }

// saslRefused is the server refusing the SASL exchange (wrong user or password): Wait reports it as
// an AuthError, and it is not tried again.
type saslRefused struct {
	user string
	err  error // zk.ErrAuthFailed, or what was wrong with the server's answers
}

func (e *saslRefused) Error() string {
	return fmt.Sprintf("SASL authentication of user %q: %v", e.user, e.err)
}

// saslExchange runs DIGEST-MD5 or GSSAPI for login with server (host:port): send writes one request
// frame, recv reads one reply frame, xid gives the requests' xids. A connection failure is returned
// as is; a refusal as *saslRefused.
func saslExchange(login *SASL, server string, send func([]byte) error, recv func() ([]byte, error), xid func() int32) error {
	round := func(token []byte) ([]byte, error) {
		x := xid()
		if err := send(jute.AppendFrame(nil, &jute.RequestHeader{Xid: x, Type: jute.OpSASL}, &saslToken{Token: token})); err != nil {
			return nil, err
		}
		body, err := recv()
		if err != nil {
			return nil, err
		}
		var h jute.ReplyHeader
		d := jute.NewDecoder(body)
		h.Decode(d)
		if d.Err != nil {
			return nil, fmt.Errorf("SASL: bad reply: %v", d.Err)
		}
		if h.Xid != x {
			return nil, fmt.Errorf("SASL: reply to xid %d, want %d", h.Xid, x)
		}
		if h.Err != 0 {
			code := codeError(h.Err)
			if h.Err == jute.ErrSessionClosedRequireSASL {
				code = zk.ErrAuthFailed
			}
			return nil, &saslRefused{user: login.Name(), err: code}
		}
		var t saslToken
		t.Decode(d)
		if d.Err != nil {
			return nil, fmt.Errorf("SASL: bad reply: %v", d.Err)
		}
		return t.Token, nil
	}
	if login.Kerberos != nil {
		return gssapiExchange(login.Kerberos, server, round)
	}
	challenge, err := round([]byte{})
	if err != nil {
		return err
	}
	if len(challenge) == 0 {
		return &saslRefused{user: login.User, err: errors.New("the server does not run SASL DIGEST-MD5 (no JAAS Server section on the server?)")}
	}
	resp, rspauth, err := digestResponse(login, challenge, nil)
	if err != nil {
		return &saslRefused{user: login.User, err: err}
	}
	final, err := round(resp)
	if err != nil {
		return err
	}
	if got := strings.TrimPrefix(string(final), "rspauth="); !strings.HasPrefix(string(final), "rspauth=") ||
		subtle.ConstantTimeCompare([]byte(strings.ToLower(got)), []byte(rspauth)) != 1 {
		return &saslRefused{user: login.User, err: errors.New("the server's DIGEST-MD5 rspauth does not match: it does not know the password (not the server it claims to be?)")}
	}
	return nil
}

// digestResponse computes the DIGEST-MD5 response to challenge, and the rspauth the server must
// answer with. cnonce is random when nil (tests give one).
func digestResponse(login *SASL, challenge, cnonce []byte) (resp []byte, rspauth string, err error) {
	dir, err := parseDirectives(string(challenge))
	if err != nil {
		return nil, "", fmt.Errorf("DIGEST-MD5 challenge: %v", err)
	}
	nonce, ok := dir["nonce"]
	if !ok {
		return nil, "", errors.New("DIGEST-MD5 challenge without a nonce")
	}
	if a := dir["algorithm"]; !strings.EqualFold(a, "md5-sess") {
		return nil, "", fmt.Errorf("DIGEST-MD5 challenge: algorithm %q, want md5-sess", a)
	}
	if q, ok := dir["qop"]; ok {
		found := false
		for _, o := range strings.Split(q, ",") {
			found = found || strings.TrimSpace(o) == "auth"
		}
		if !found {
			return nil, "", fmt.Errorf("DIGEST-MD5 challenge: qop %q does not offer auth", q)
		}
	}
	utf := strings.EqualFold(dir["charset"], "utf-8")
	user, pass := login.User, login.Password
	if !utf {
		var ok1, ok2 bool
		user, ok1 = toLatin1(user)
		pass, ok2 = toLatin1(pass)
		if !ok1 || !ok2 {
			return nil, "", errors.New("DIGEST-MD5: the server does not take UTF-8 and the user or password is not ISO 8859-1")
		}
	}
	realm := dir["realm"] // the server's (Apache's only realm is zk-sasl-md5)
	if cnonce == nil {
		var b [24]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, "", err
		}
		cnonce = []byte(base64.RawStdEncoding.EncodeToString(b[:]))
	}
	const nc, qop = "00000001", "auth"
	h := md5.Sum([]byte(user + ":" + realm + ":" + pass))
	a1 := string(h[:]) + ":" + nonce + ":" + string(cnonce) + ":" + user // authzid = the user, as Java's client
	ha1 := hexMD5(a1)
	kd := func(a2 string) string {
		return hexMD5(ha1 + ":" + nonce + ":" + nc + ":" + string(cnonce) + ":" + qop + ":" + hexMD5(a2))
	}
	var b strings.Builder
	if utf {
		b.WriteString("charset=utf-8,")
	}
	fmt.Fprintf(&b, `username=%s,realm=%s,nonce=%s,nc=%s,cnonce=%s,digest-uri=%s,maxbuf=65536,response=%s,qop=%s,authzid=%s`,
		quote(user), quote(realm), quote(nonce), nc, quote(string(cnonce)), quote(saslURI), kd("AUTHENTICATE:"+saslURI), qop, quote(user))
	return []byte(b.String()), kd(":" + saslURI), nil
}

func hexMD5(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// toLatin1 encodes s in ISO 8859-1, false if it has a character outside it.
func toLatin1(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff || r == utf8.RuneError {
			return "", false
		}
		b = append(b, byte(r))
	}
	return string(b), true
}

// parseDirectives parses a DIGEST-MD5 challenge: name=value or name="quoted value" pairs separated
// by commas. A directive given twice keeps its values joined by commas (qop, realm lists).
func parseDirectives(s string) (map[string]string, error) {
	out := map[string]string{}
	i := 0
	for {
		for i < len(s) && (s[i] == ',' || s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
			i++
		}
		if i >= len(s) {
			return out, nil
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 {
			return nil, fmt.Errorf("directive without '=' at byte %d", i)
		}
		name := strings.ToLower(strings.TrimSpace(s[i : i+eq]))
		i += eq + 1
		var v strings.Builder
		if i < len(s) && s[i] == '"' {
			i++
			closed := false
			for i < len(s) {
				c := s[i]
				i++
				if c == '\\' && i < len(s) {
					v.WriteByte(s[i])
					i++
					continue
				}
				if c == '"' {
					closed = true
					break
				}
				v.WriteByte(c)
			}
			if !closed {
				return nil, fmt.Errorf("unterminated quoted value of %s", name)
			}
		} else {
			end := strings.IndexByte(s[i:], ',')
			if end < 0 {
				end = len(s) - i
			}
			v.WriteString(strings.TrimSpace(s[i : i+end]))
			i += end
		}
		if old, ok := out[name]; ok {
			out[name] = old + "," + v.String()
		} else {
			out[name] = v.String()
		}
	}
}
