package server

import (
	"crypto/sha1"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/zksh/zksh/jute"
)

// Digest returns the digest ACL id for "user:password": user:base64(sha1(user:password)), as
// DigestAuthenticationProvider.generateDigest computes it.
func Digest(userPassword string) string {
	user, _, _ := strings.Cut(userPassword, ":")
	sum := sha1.Sum([]byte(userPassword))
	return user + ":" + base64.StdEncoding.EncodeToString(sum[:])
}

// javaSplitCount counts the parts of Java's s.split(sep) (trailing empty parts dropped).
func javaSplitCount(s, sep string) int {
	parts := strings.Split(s, sep)
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return len(parts)
}

// ipBytes parses an address as IPAuthenticationProvider does in 3.8: IPv4 dotted quads only (its
// IPv6 parser is a TODO), so IPv6 ACLs are invalid and IPv6 clients match no ip ACL.
func ipBytes(s string) []byte {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return nil
	}
	b := make([]byte, 4)
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > 255 {
			return nil
		}
		b[i] = byte(v)
	}
	return b
}

func validIPACL(id string) bool {
	addr, bitsText, hasBits := strings.Cut(id, "/")
	b := ipBytes(addr)
	if b == nil {
		return false
	}
	if hasBits {
		bits, err := strconv.Atoi(bitsText)
		if err != nil || bits < 0 || bits > len(b)*8 {
			return false
		}
	}
	return true
}

func matchIP(client, expr string) bool {
	addr, bitsText, hasBits := strings.Cut(expr, "/")
	want := ipBytes(addr)
	have := ipBytes(client)
	if want == nil || have == nil || len(want) != len(have) {
		return false
	}
	bits := len(want) * 8
	if hasBits {
		n, err := strconv.Atoi(bitsText)
		if err != nil || n < 0 || n > bits {
			return false
		}
		bits = n
	}
	for i := 0; i < len(want); i++ {
		m := 0
		switch {
		case bits >= 8:
			m = 0xff
		case bits > 0:
			m = (0xff << (8 - bits)) & 0xff
		}
		if want[i]&byte(m) != have[i]&byte(m) {
			return false
		}
		bits -= 8
		if bits < 0 {
			bits = 0
		}
	}
	return true
}

// checkACL is ZooKeeperServer.checkACL: nil when ids hold one of perm's bits on acl.
func checkACL(acl []jute.ACL, perm int32, ids []jute.ID) int32 {
	if len(acl) == 0 {
		return jute.ErrOK
	}
	for _, id := range ids {
		if id.Scheme == "super" {
			return jute.ErrOK
		}
	}
	for _, a := range acl {
		if a.Perms&perm == 0 {
			continue
		}
		switch a.ID.Scheme {
		case "world":
			if a.ID.ID == "anyone" {
				return jute.ErrOK
			}
		case "digest":
			for _, id := range ids {
				if id.Scheme == "digest" && id.ID == a.ID.ID {
					return jute.ErrOK
				}
			}
		case "ip":
			for _, id := range ids {
				if id.Scheme == "ip" && matchIP(id.ID, a.ID.ID) {
					return jute.ErrOK
				}
			}
		case "x509":
			for _, id := range ids {
				if id.Scheme == "x509" && id.ID == a.ID.ID {
					return jute.ErrOK
				}
			}
		case "sasl":
			// SASLAuthenticationProvider.matches: the same id, or the SASL user named super.
			for _, id := range ids {
				if id.Scheme == "sasl" && (id.ID == a.ID.ID || id.ID == "super") {
					return jute.ErrOK
				}
			}
		}
	}
	return jute.ErrNoAuth
}

// aclSchemes are the ACL schemes a server has beside world, digest and ip, as Apache registers
// their authentication providers: x509 when it serves TLS, sasl when authProvider.N names it.
type aclSchemes struct{ x509, sasl bool }

func (s *Server) aclSchemes() aclSchemes {
	return aclSchemes{x509: s.cfg.TLS != nil, sasl: s.cfg.SASLACL}
}

// fixupACL validates a requested ACL and expands the "auth" scheme, as PrepRequestProcessor.fixupACL.
func fixupACL(acl []jute.ACL, ids []jute.ID, schemes aclSchemes) ([]jute.ACL, int32) {
	uniq := make([]jute.ACL, 0, len(acl))
	for _, a := range acl {
		dup := false
		for _, u := range uniq {
			if u == a {
				dup = true
				break
			}
		}
		if !dup {
			uniq = append(uniq, a)
		}
	}
	if len(uniq) == 0 {
		return nil, jute.ErrInvalidACL
	}
	out := make([]jute.ACL, 0, len(uniq))
	for _, a := range uniq {
		switch {
		case a.ID.Scheme == "world" && a.ID.ID == "anyone":
			out = append(out, a)
		case a.ID.Scheme == "auth":
			valid := false
			for _, id := range ids {
				// The identities whose provider is registered and says it is authenticated.
				if id.Scheme == "digest" || id.Scheme == "x509" || id.Scheme == "sasl" && schemes.sasl {
					valid = true
					out = append(out, jute.ACL{Perms: a.Perms, ID: id})
				}
			}
			if !valid {
				return nil, jute.ErrInvalidACL
			}
		case a.ID.Scheme == "digest":
			if javaSplitCount(a.ID.ID, ":") != 2 {
				return nil, jute.ErrInvalidACL
			}
			out = append(out, a)
		case a.ID.Scheme == "ip":
			if !validIPACL(a.ID.ID) {
				return nil, jute.ErrInvalidACL
			}
			out = append(out, a)
		case a.ID.Scheme == "sasl" && schemes.sasl:
			if !validSASLACL(a.ID.ID) {
				return nil, jute.ErrInvalidACL
			}
			out = append(out, a)
		case a.ID.Scheme == "x509" && schemes.x509:
			// Apache registers its x509 provider when it serves TLS (Netty with ssl.*); an X.500
			// name, as its X500Principal checks.
			if !strings.Contains(a.ID.ID, "=") { // an X.500 name, as Apache's X500Principal checks
				return nil, jute.ErrInvalidACL
			}
			out = append(out, a)
		default:
			return nil, jute.ErrInvalidACL
		}
	}
	return out, jute.ErrOK
}
