package commands

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/internal/zkclient"
)

// setAcl refuses an ACL that would leave the znode with no entry granting the session ADMIN, unless
// --force: after it, the session could not change the ACL back, and a typo would lock the znode away
// from everyone but the super user. create has no such guard: creating a znode one cannot administer
// (world:anyone:r for read-only configuration) is common and cannot lock away what existed.

// sessionIdentities are the identities the server gives the session, as far as zksh can tell.
type sessionIdentities struct {
	ips           []netip.Addr    // the client's address as the server sees it
	digests       map[string]bool // digest ids, user:BASE64(SHA1(user:password))
	authenticated bool            // has an identity that auth:: stands for (any scheme but ip)
	others        map[string]bool // scheme:id of other schemes, as whoAmI reports them
	names         []string        // scheme:user for messages
	whoAmI        bool            // the server said (whoAmI); otherwise from zksh's credentials
}

// administers reports whether some entry of acl grants ADMIN to one of the session's identities, as
// the server matches them: world:anyone everyone; auth:: the session's authenticated identities (the
// server expands it to them when setting the ACL); digest:user:hash a digest credential whose hash it
// is; ip:ADDR[/BITS] the client's address; other schemes an identity whoAmI reports with that id.
func (ids sessionIdentities) administers(acl []zk.ACL) bool {
	for _, e := range acl {
		if e.Perms&zk.PermAdmin == 0 {
			continue
		}
		switch e.Scheme {
		case "world":
			if e.ID == "anyone" {
				return true
			}
		case "auth":
			if ids.authenticated {
				return true
			}
		case "digest":
			if ids.digests[e.ID] {
				return true
			}
		case "ip":
			if ipCovers(e.ID, ids.ips) {
				return true
			}
		default:
			if ids.others[e.Scheme+":"+e.ID] {
				return true
			}
		}
	}
	return false
}

// ipCovers reports whether the ip ACL id (ADDR or ADDR/BITS) covers one of ips.
func ipCovers(id string, ips []netip.Addr) bool {
	if strings.Contains(id, "/") {
		network, err := netip.ParsePrefix(id)
		if err != nil {
			return false
		}
		for _, ip := range ips {
			if network.Contains(ip.Unmap()) {
				return true
			}
		}
		return false
	}
	addr, err := netip.ParseAddr(id)
	if err != nil {
		return false
	}
	for _, ip := range ips {
		if addr.Unmap() == ip.Unmap() {
			return true
		}
	}
	return false
}

// digestID is the digest scheme's id for user:password: user:BASE64(SHA1(user:password)).
func digestID(user, password string) string {
	sum := sha1.Sum([]byte(user + ":" + password))
	return user + ":" + base64.StdEncoding.EncodeToString(sum[:])
}

// identities learns the session's identities: from whoAmI (ZooKeeper 3.7+) on the user's session,
// and from the credentials zksh added (digest hashes, which whoAmI does
// not show). Where whoAmI is not to be had, the client's address is the local end of a connection to
// the same server.
func identities(ctx context.Context, c *zkclient.Client) sessionIdentities {
	ids := sessionIdentities{digests: map[string]bool{}, others: map[string]bool{}}
	for _, a := range c.Auth() {
		scheme, cred, _ := strings.Cut(a, ":")
		switch scheme {
		case "digest":
			user, password, _ := strings.Cut(cred, ":")
			ids.digests[digestID(user, password)] = true
			ids.authenticated = true
			ids.names = append(ids.names, "digest:"+user)
		case "ip": // the server gives the client's address, whatever the credential says
		default: // the server accepted it, or the session would have ended
			ids.authenticated = true
		}
	}
	who, local, err := c.WhoAmI(ctx)
	if err != nil {
		if local.IsValid() {
			ids.ips = append(ids.ips, local)
			ids.names = append(ids.names, "ip:"+local.String())
		}
		return ids
	}
	ids.whoAmI = true
	ids.names = nil
	for _, w := range who {
		switch w.Scheme {
		case "ip":
			if ip, err := netip.ParseAddr(w.User); err == nil {
				ids.ips = append(ids.ips, ip)
			}
		case "digest": // whoAmI shows the user only: the ids are the credentials' hashes
			ids.authenticated = true
		default:
			ids.authenticated = true
			ids.others[w.Scheme+":"+w.User] = true
		}
		ids.names = append(ids.names, w.Scheme+":"+w.User)
	}
	return ids
}

// checkAdmin refuses (exit 2) an ACL that leaves the session no ADMIN on the znode.
func (e *Env) checkAdmin(ctx context.Context, c *zkclient.Client, path string, acl []zk.ACL) error {
	if (sessionIdentities{}).administers(acl) { // world:anyone with a: no need to ask
		return nil
	}
	ids := identities(ctx, c)
	if ids.administers(acl) {
		return nil
	}
	who := "no identity"
	if len(ids.names) > 0 {
		sort.Strings(ids.names)
		who = strings.Join(ids.names, ", ")
	}
	return &UsageError{Cmd: "zksh setAcl", Interactive: e.Interactive, Err: fmt.Errorf("setAcl %s: refusing an ACL that gives this session (%s) no admin permission (a): "+
		"it could not change the ACL again; grant a to one of its identities (e.g. auth::cdrwa after addauth) "+
		"or use --force", path, who)}
}
