package commands

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// jvmFlagVars are the environment variables zkCli.sh puts on java's command line, in its order
// ("$JAVA" ... $CLIENT_JVMFLAGS $JVMFLAGS org.apache.zookeeper.ZooKeeperMain): java keeps the last
// value of a property given twice, so JVMFLAGS wins over CLIENT_JVMFLAGS.
var jvmFlagVars = []string{"CLIENT_JVMFLAGS", "JVMFLAGS"}

// jaasProperty is the system property naming the JAAS login configuration file, krb5Property
// Java's Kerberos configuration file (KRB5_CONFIG's equivalent).
const (
	jaasProperty = "java.security.auth.login.config"
	krb5Property = "java.security.krb5.conf"
)

// JVMProperty is one -Dkey=value system property of CLIENT_JVMFLAGS or JVMFLAGS, with the
// variable that gave it.
type JVMProperty struct{ Value, Var string }

// readJVMFlags reads the system properties zkCli.sh would give the client's JVM. The variables are
// split as the script's unquoted expansion splits them: at spaces, tabs and newlines, with quotes
// kept as ordinary characters. Words that are not -D properties (-Xmx512m, -XX:...) are JVM
// options with no meaning here and are skipped; so are properties outside ZooKeeper's (log4j...),
// except the JAAS file's and the Kerberos configuration's.
func readJVMFlags(getenv func(string) string) map[string]JVMProperty {
	var props map[string]JVMProperty
	ifs := func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' }
	for _, name := range jvmFlagVars {
		for _, word := range strings.FieldsFunc(getenv(name), ifs) {
			prop, ok := strings.CutPrefix(word, "-D")
			if !ok {
				continue
			}
			key, value, _ := strings.Cut(prop, "=") // -Dkey alone is the empty string, as in java
			if key != jaasProperty && key != krb5Property && !strings.HasPrefix(key, "zookeeper.") {
				continue
			}
			if props == nil {
				props = map[string]JVMProperty{}
			}
			props[key] = JVMProperty{Value: value, Var: name}
		}
	}
	return props
}

// clientProperties are zkCli's client settings as Apache's ZKClientConfig loads them: the
// ZooKeeper system properties of CLIENT_JVMFLAGS and JVMFLAGS first, then the -client-configuration
// file, whose keys replace them one by one. The flags win over both (clientTLS, clientSASL).
type clientProperties struct {
	values   map[string]string
	file     string                 // the -client-configuration file, "" for none
	jvm      map[string]JVMProperty // where a value not from the file came from
	fromFile map[string]bool        // the keys whose value is the file's
}

// readClientProperties reads the client configuration file (if any) over the JVM flags' system
// properties. Keys zksh does not know are warned about on warn (nil: not warned), never ignored
// silently; the JAAS file's property is not among the values (see jaasFile).
func readClientProperties(s Settings, warn io.Writer) (clientProperties, error) {
	jvm := s.jvmFlags()
	p := clientProperties{values: map[string]string{}, file: s.ClientConfig, jvm: jvm, fromFile: map[string]bool{}}
	for _, k := range slices.Sorted(maps.Keys(jvm)) {
		switch {
		case k == jaasProperty, k == krb5Property:
		case clientConfigKeys[k]:
			p.values[k] = jvm[k].Value
		case warn != nil && jvm[k].Var == "CLIENT_JVMFLAGS":
			// JVMFLAGS is read by the server's scripts too: its server properties are not ours to
			// warn about.
			fmt.Fprintf(warn, "zksh: warning: %s: ignoring -D%s (not a setting zksh knows)\n", jvm[k].Var, k)
		}
	}
	if s.ClientConfig == "" {
		return p, nil
	}
	props, err := readProperties(s.ClientConfig)
	if err != nil {
		return p, fmt.Errorf("client configuration: %w", err)
	}
	for _, k := range slices.Sorted(maps.Keys(props)) {
		if !clientConfigKeys[k] {
			if warn != nil {
				fmt.Fprintf(warn, "zksh: warning: client configuration %s: ignoring %q (not a setting zksh knows)\n", s.ClientConfig, k)
			}
			continue
		}
		p.values[k], p.fromFile[k] = props[k], true
	}
	return p, nil
}

// name says where key's value came from, for messages: "client configuration FILE: key" or
// "CLIENT_JVMFLAGS: -Dkey".
func (p clientProperties) name(key string) string {
	if p.fromFile[key] || p.jvm[key].Var == "" {
		return fmt.Sprintf("client configuration %s: %s", p.file, key)
	}
	return fmt.Sprintf("%s: -D%s", p.jvm[key].Var, key)
}

// where names the sources of the values keys have, for a message about them together.
func (p clientProperties) where(keys ...string) string {
	var from []string
	for _, k := range keys {
		if _, ok := p.values[k]; !ok {
			continue
		}
		w := "client configuration " + p.file
		if !p.fromFile[k] {
			w = p.jvm[k].Var
		}
		if !slices.Contains(from, w) {
			from = append(from, w)
		}
	}
	return strings.Join(from, ", ")
}

// boolean reads key as zkCli's true or false, def when it is not given.
func (p clientProperties) boolean(key string, def bool) (bool, error) {
	v, ok := p.values[key]
	if !ok {
		return def, nil
	}
	b, valid := javaBool(v)
	if !valid {
		return false, fmt.Errorf("%s=%q: want true or false", p.name(key), v)
	}
	return b, nil
}

// javaBool reads a Java property's boolean: "true" or "false", in any case. Java takes anything
// but "true" for false, so zksh refuses other words (yes, 1, on) rather than read them otherwise
// than zkCli does.
func javaBool(v string) (value, ok bool) {
	switch strings.ToLower(v) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// jvmFlags are the JVM flags' properties that apply: none with --local, whose bundled server has
// neither TLS nor SASL (CLIENT_JVMFLAGS set in a profile for zkCli's clusters must not stop it).
func (s Settings) jvmFlags() map[string]JVMProperty {
	if s.Local {
		return nil
	}
	return s.JVMFlags
}

// jaasFile is the JAAS login configuration file: --jaas (or ZKSH_JAAS), else the system property
// of the JVM flags, as zkCli's -Djava.security.auth.login.config; name is how messages call it.
func jaasFile(s Settings) (file, name string) {
	if s.JAAS != "" {
		return s.JAAS, "--jaas"
	}
	if p, ok := s.jvmFlags()[jaasProperty]; ok && p.Value != "" {
		return p.Value, p.Var + " -D" + jaasProperty
	}
	return "", ""
}
