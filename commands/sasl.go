package commands

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/zksh/zksh/internal/jaas"
	"github.com/zksh/zksh/internal/zkclient"
)

// krb5LoginModule is the JAAS login module of Kerberos.
const krb5LoginModule = "com.sun.security.auth.module.Krb5LoginModule"

// clientSASL is the SASL login of the session, nil for none. DIGEST-MD5: --sasl-user (password
// from --sasl-password-file or a hidden prompt on a terminal), or a DigestLoginModule in the Client
// section of --jaas, else of CLIENT_JVMFLAGS' -Djava.security.auth.login.config (the section
// zookeeper.sasl.clientconfig of the client configuration or the JVM flags names, as zkCli). GSSAPI (Kerberos): --kerberos-keytab with --kerberos-principal, --kerberos-principal or
// --kerberos alone (the credential cache), or a Krb5LoginModule in that JAAS section; the server's
// principal from the client configuration's zookeeper.server.principal or
// zookeeper.sasl.client.username. The client configuration's zookeeper.sasl.client=false turns the
// JAAS file off, as in zkCli; the flags win over it. Errors never show a password.
func clientSASL(ctx context.Context, s Settings, env *Env) (*zkclient.SASL, error) {
	enabled, section, explicit := true, "Client", false
	props, err := readClientProperties(s, nil) // clientTLS warned about the unknown keys
	if err != nil {
		return nil, err
	}
	if _, ok := props.values["zookeeper.sasl.client"]; ok {
		b, err := props.boolean("zookeeper.sasl.client", true)
		if err != nil {
			return nil, err
		}
		enabled, explicit = b, b
	}
	if v := props.values["zookeeper.sasl.clientconfig"]; v != "" {
		section, explicit = v, explicit || enabled
	}
	serverPrincipal, service := props.values["zookeeper.server.principal"], props.values["zookeeper.sasl.client.username"]
	kerberos := func(k *zkclient.Kerberos) *zkclient.SASL {
		k.ServerPrincipal, k.Service = serverPrincipal, service
		// Java reads -Djava.security.krb5.conf, not KRB5_CONFIG: zkCli's set-up gives it there.
		k.Config = s.jvmFlags()[krb5Property].Value
		return &zkclient.SASL{Kerberos: k}
	}
	krbFlags := s.Kerberos || s.KerberosKeytab != "" || s.KerberosPrincipal != ""
	switch {
	case krbFlags && (s.SASLUser != "" || s.JAAS != ""):
		return nil, errors.New("--kerberos-* and --sasl-user or --jaas all give a SASL login: give one")
	case s.KerberosKeytab != "" && s.KerberosPrincipal == "":
		return nil, errors.New("--kerberos-keytab needs --kerberos-principal: the principal whose key it holds")
	case krbFlags:
		return kerberos(&zkclient.Kerberos{Principal: s.KerberosPrincipal, Keytab: s.KerberosKeytab}), nil
	case s.SASLUser != "" && s.JAAS != "":
		return nil, errors.New("--sasl-user and --jaas both give a SASL login: give one")
	case s.SASLUser != "":
		password, err := saslPassword(ctx, s, env)
		if err != nil {
			return nil, err
		}
		return &zkclient.SASL{User: s.SASLUser, Password: password}, nil
	case s.SASLPasswordFile != "":
		return nil, errors.New("--sasl-password-file needs --sasl-user: the user whose password it holds")
	}
	file, name := jaasFile(s)
	switch {
	case file == "":
		if explicit {
			return nil, fmt.Errorf("%s asks for SASL (JAAS section %q), but no JAAS file is given: "+
				"give it with --jaas FILE (zkCli's -Djava.security.auth.login.config)",
				props.where("zookeeper.sasl.client", "zookeeper.sasl.clientconfig"), section)
		}
		return nil, nil
	case !enabled:
		return nil, nil // zookeeper.sasl.client=false: zkCli does not log in either
	}
	logins, ok, err := jaas.ReadSection(file, section)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !ok {
		return nil, fmt.Errorf("%s: JAAS file %s has no %q section (the client's login; zookeeper.sasl.clientconfig names another)", name, file, section)
	}
	for _, l := range logins {
		if l.Class != jaas.DigestLoginModule && !isKrb5Module(l.Class) {
			return nil, fmt.Errorf("%s: JAAS file %s, section %s: login module %s is not supported; only %s (SASL DIGEST-MD5) and %s (Kerberos)",
				name, file, section, l.Class, jaas.DigestLoginModule, krb5LoginModule)
		}
	}
	for _, l := range logins {
		if isKrb5Module(l.Class) {
			k, err := jaasKerberos(l.Options)
			if err != nil {
				return nil, fmt.Errorf("%s: JAAS file %s, section %s: %s: %v", name, file, section, l.Class, err)
			}
			return kerberos(k), nil
		}
		user, hasUser := l.Options["username"]
		password, hasPassword := l.Options["password"]
		if !hasUser || !hasPassword {
			return nil, fmt.Errorf("%s: JAAS file %s, section %s: %s needs username and password options", name, file, section, jaas.DigestLoginModule)
		}
		return &zkclient.SASL{User: user, Password: password}, nil
	}
	return nil, fmt.Errorf("%s: JAAS file %s, section %s has no login module", name, file, section)
}

func isKrb5Module(class string) bool {
	return class == krb5LoginModule || strings.HasSuffix(class, ".Krb5LoginModule")
}

// jaasKerberos reads Krb5LoginModule's options: useKeyTab=true with keyTab and principal, or
// useTicketCache=true (ticketCache, else KRB5CCNAME) with an optional principal. Java would prompt
// for a password otherwise; zksh does not take Kerberos passwords.
func jaasKerberos(opts map[string]string) (*zkclient.Kerberos, error) {
	flag := func(name string) (bool, error) {
		v, ok := opts[name]
		if !ok {
			return false, nil
		}
		b, valid := javaBool(v)
		if !valid {
			return false, fmt.Errorf("%s=%q: want true or false", name, v)
		}
		return b, nil
	}
	useKeyTab, err := flag("useKeyTab")
	if err != nil {
		return nil, err
	}
	useCache, err := flag("useTicketCache")
	if err != nil {
		return nil, err
	}
	k := &zkclient.Kerberos{Principal: opts["principal"]}
	switch {
	case useKeyTab:
		if k.Keytab = opts["keyTab"]; k.Keytab == "" {
			return nil, errors.New("useKeyTab=true needs keyTab=\"FILE\"")
		}
		if k.Principal == "" {
			return nil, errors.New("useKeyTab=true needs principal=\"NAME\"")
		}
	case useCache:
		k.CCache = opts["ticketCache"]
	default:
		return nil, errors.New("neither useKeyTab=true nor useTicketCache=true: zksh does not prompt for Kerberos passwords (use a keytab, or kinit and useTicketCache=true)")
	}
	return k, nil
}

// saslPassword reads the --sasl-user password: the first line of --sasl-password-file, else a
// hidden prompt when stdin is a terminal.
func saslPassword(ctx context.Context, s Settings, env *Env) (string, error) {
	streams := env.IO
	if s.SASLPasswordFile != "" {
		b, err := os.ReadFile(s.SASLPasswordFile)
		if err != nil {
			return "", fmt.Errorf("--sasl-password-file: %w", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		return strings.TrimSuffix(line, "\r"), nil
	}
	if !streams.InTTY {
		return "", fmt.Errorf("--sasl-user %s: no password: give --sasl-password-file FILE (passwords are never taken from the command line)", s.SASLUser)
	}
	if password, ok := env.typedPasswords[s.SASLUser]; ok {
		return password, nil
	}
	password, err := readHiddenPassword(ctx, streams, fmt.Sprintf("SASL password for %s: ", s.SASLUser))
	if err != nil {
		return "", fmt.Errorf("--sasl-user %s: reading the password: %w", s.SASLUser, err)
	}
	if env.typedPasswords == nil {
		env.typedPasswords = map[string]string{}
	}
	env.typedPasswords[s.SASLUser] = password
	return password, nil
}
