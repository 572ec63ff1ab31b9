package server

import (
	"fmt"
	"strings"

	"github.com/zksh/zksh/internal/jaas"
)

// The zksh server takes DIGEST-MD5 users from its JAAS section's user_NAME options (internal/jaas
// reads the file); Kerberos (Krb5LoginModule) is not supported.

// LoadJAAS reads a JAAS login configuration file and takes the SASL users from its server section
// (zoo.cfg's sasl.serverconfig, default "Server"), as Apache's server does. A file without that
// section leaves SASL off, as in Apache (the warning says so); a file that does not parse, or a
// section with a login module other than DigestLoginModule (Kerberos), is an error.
func (c *Config) LoadJAAS(path string) (warnings []string, err error) {
	name := c.jaasSection
	if name == "" {
		name = "Server"
	}
	entries, ok, err := jaas.ReadSection(path, name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return []string{fmt.Sprintf("JAAS file %s has no %q section: SASL is off, as in Apache ZooKeeper", path, name)}, nil
	}
	users := map[string]string{}
	for _, e := range entries {
		if e.Class != jaas.DigestLoginModule {
			what := e.Class
			if strings.HasSuffix(e.Class, ".Krb5LoginModule") {
				what = "Kerberos (" + e.Class + ")"
			}
			return nil, fmt.Errorf("JAAS file %s: section %s: %s is not supported by the zksh server, only %s (SASL DIGEST-MD5)",
				path, name, what, jaas.DigestLoginModule)
		}
		for k, v := range e.Options {
			if user, ok := strings.CutPrefix(k, "user_"); ok {
				users[user] = v
			}
		}
	}
	c.SASLUsers = users
	return nil, nil
}
