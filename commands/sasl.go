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

// clientSASL is the SASL DIGEST-MD5 login of the session, nil for none: --sasl-user (password from
// --sasl-password-file or a hidden prompt on a terminal), or the Client section of --jaas (the
// section zookeeper.sasl.clientconfig of the client configuration names, as zkCli). The client
// configuration's zookeeper.sasl.client=false turns the JAAS file off, as in zkCli; the flags win
// over it. Errors never show a password.
func clientSASL(s Settings, streams *IOStreams) (*zkclient.SASL, error) {
	enabled, section, explicit := true, "Client", false
	if s.ClientConfig != "" {
		props, err := readProperties(s.ClientConfig)
		if err != nil {
			return nil, fmt.Errorf("client configuration: %w", err)
		}
		if v, ok := props["zookeeper.sasl.client"]; ok {
			b, valid := parseBool(v)
			if !valid || v == "" {
				return nil, fmt.Errorf("client configuration %s: zookeeper.sasl.client=%q: want true or false", s.ClientConfig, v)
			}
			enabled, explicit = b, b
		}
		if v := props["zookeeper.sasl.clientconfig"]; v != "" {
			section, explicit = v, explicit || enabled
		}
	}
	switch {
	case s.SASLUser != "" && s.JAAS != "":
		return nil, errors.New("--sasl-user and --jaas both give a SASL login: give one")
	case s.SASLUser != "":
		password, err := saslPassword(s, streams)
		if err != nil {
			return nil, err
		}
		return &zkclient.SASL{User: s.SASLUser, Password: password}, nil
	case s.SASLPasswordFile != "":
		return nil, errors.New("--sasl-password-file needs --sasl-user: the user whose password it holds")
	case s.JAAS == "":
		if explicit && s.ClientConfig != "" {
			return nil, fmt.Errorf("client configuration %s asks for SASL (JAAS section %q), but no JAAS file is given: "+
				"give it with --jaas FILE (zkCli's -Djava.security.auth.login.config)", s.ClientConfig, section)
		}
		return nil, nil
	case !enabled:
		return nil, nil // zookeeper.sasl.client=false: zkCli does not log in either
	}
	logins, ok, err := jaas.ReadSection(s.JAAS, section)
	if err != nil {
		return nil, fmt.Errorf("--jaas: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("--jaas: JAAS file %s has no %q section (the client's login; zookeeper.sasl.clientconfig names another)", s.JAAS, section)
	}
	for _, l := range logins {
		switch {
		case l.Class == krb5LoginModule || strings.HasSuffix(l.Class, ".Krb5LoginModule"):
			return nil, fmt.Errorf("--jaas: JAAS file %s, section %s: Kerberos (%s) is not supported yet; only %s (SASL DIGEST-MD5)",
				s.JAAS, section, l.Class, jaas.DigestLoginModule)
		case l.Class != jaas.DigestLoginModule:
			return nil, fmt.Errorf("--jaas: JAAS file %s, section %s: login module %s is not supported; only %s (SASL DIGEST-MD5)",
				s.JAAS, section, l.Class, jaas.DigestLoginModule)
		}
	}
	for _, l := range logins {
		user, hasUser := l.Options["username"]
		password, hasPassword := l.Options["password"]
		if !hasUser || !hasPassword {
			return nil, fmt.Errorf("--jaas: JAAS file %s, section %s: %s needs username and password options", s.JAAS, section, jaas.DigestLoginModule)
		}
		return &zkclient.SASL{User: user, Password: password}, nil
	}
	return nil, fmt.Errorf("--jaas: JAAS file %s, section %s has no login module", s.JAAS, section)
}

// saslPassword reads the --sasl-user password: the first line of --sasl-password-file, else a
// hidden prompt when stdin is a terminal.
func saslPassword(s Settings, streams *IOStreams) (string, error) {
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
	password, err := readHiddenPassword(context.Background(), streams, fmt.Sprintf("SASL password for %s: ", s.SASLUser))
	if err != nil {
		return "", fmt.Errorf("--sasl-user %s: reading the password: %w", s.SASLUser, err)
	}
	return password, nil
}
