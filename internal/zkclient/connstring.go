package zkclient

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/zksh/zksh/internal/znodepath"
)

// ParseConnectString splits "h1:2181,h2/chroot" into servers and a chroot ("" for none). A host
// without a port is left so: go-zookeeper adds :2181.
func ParseConnectString(s string) (servers []string, chroot string, err error) {
	servers, chroot, err = parseConnectString(s)
	// A host has no '@': before the chroot, or in a string that cannot be read (a '/' of the
	// credential's own taken for the chroot's), it ends a credential (user:password@host, a zk://
	// URL's), which is not shown.
	if i := strings.LastIndexByte(s, '@'); i >= 0 && (err != nil || strings.IndexByte(s[:i], '/') < 0) {
		return nil, "", fmt.Errorf("server %q: a connect string is host:port[,host:port...][/chroot], with no credential (give it with --auth-file or ZKSH_AUTH)", "***"+s[i:])
	}
	return servers, chroot, err
}

func parseConnectString(s string) (servers []string, chroot string, err error) {
	hosts := s
	if i := strings.IndexByte(s, '/'); i >= 0 {
		hosts, chroot = s[:i], s[i:]
		if chroot == "/" {
			chroot = ""
		} else if err := znodepath.Validate(chroot); err != nil {
			return nil, "", fmt.Errorf("server %q: chroot %v", s, err)
		}
	}
	for _, h := range strings.Split(hosts, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if strings.Contains(h, ":") {
			host, port, err := net.SplitHostPort(h)
			if err != nil {
				return nil, "", fmt.Errorf("server %q: %q is not host:port", s, h)
			}
			if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 || host == "" {
				return nil, "", fmt.Errorf("server %q: %q is not host:port (port 1 to 65535)", s, h)
			}
		}
		servers = append(servers, h)
	}
	if len(servers) == 0 {
		return nil, "", fmt.Errorf("server %q: no host given", s)
	}
	return servers, chroot, nil
}

// ServerPath maps a path as the user sees it to the server's, under the chroot ("/app" with chroot
// "/base" is "/base/app").
func (c *Client) ServerPath(p string) string {
	switch {
	case c.chroot == "":
		return p
	case p == "/":
		return c.chroot
	}
	return c.chroot + p
}

// UserPath maps a server path back to what the user sees (the chroot removed).
func (c *Client) UserPath(p string) string {
	switch {
	case c.chroot == "":
		return p
	case p == c.chroot:
		return "/"
	}
	return strings.TrimPrefix(p, c.chroot)
}

// userPaths maps server paths to the user's, in place.
func (c *Client) userPaths(ps []string) []string {
	if c.chroot != "" {
		for i, p := range ps {
			ps[i] = c.UserPath(p)
		}
	}
	return ps
}
