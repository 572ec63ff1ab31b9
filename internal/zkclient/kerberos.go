package zkclient

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	krbclient "github.com/jcmturner/gokrb5/v8/client"
	krbconfig "github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/spnego"
)

// SASL GSSAPI (Kerberos V5, RFC 4752) as Apache's Java client runs it: the AP-REQ for the service
// principal (zookeeper/HOST by default) in a GSS initial context token; the server's answer (an
// AP-REP, or nothing); an empty token; the server's wrapped security-layer offer (4 bytes), whose
// checksum proves the server holds the service key; the client's wrapped answer: no security
// layer (1), a maximum size of 0, and the authorization identity (the client's principal).

// Kerberos is where the SASL GSSAPI login takes its credentials: a keytab and a principal, or a
// credential cache (kinit's).
type Kerberos struct {
	Principal string // the client principal (user or user@REALM); with a cache, empty = the cache's
	Keytab    string // keytab file; empty = the credential cache
	CCache    string // credential cache (KRB5CCNAME form, FILE: or a path); empty = KRB5CCNAME, else /tmp/krb5cc_UID
	Config    string // krb5.conf; empty = KRB5_CONFIG, else /etc/krb5.conf

	// The server's principal: ServerPrincipal (service/host[@REALM]) when set, else
	// Service (default "zookeeper") + "/" + the host of the server's address.
	ServerPrincipal string
	Service         string
}

// name is how errors and logs name the login.
func (k *Kerberos) name() string {
	if k.Principal != "" {
		return k.Principal
	}
	return "(the credential cache's)"
}

// servicePrincipal is the server's principal name for server (host:port), without a realm: the
// realm is krb5.conf's for the host (domain_realm), else the client's.
func (k *Kerberos) servicePrincipal(server string) string {
	if k.ServerPrincipal != "" {
		p, _, _ := strings.Cut(k.ServerPrincipal, "@")
		return p
	}
	host, _, err := net.SplitHostPort(server)
	if err != nil {
		host = server
	}
	service := k.Service
	if service == "" {
		service = "zookeeper"
	}
	return service + "/" + host
}

// krb5Config loads the Kerberos configuration: k.Config, the first file of KRB5_CONFIG, or
// /etc/krb5.conf.
func (k *Kerberos) krb5Config() (*krbconfig.Config, error) {
	path := k.Config
	if path == "" {
		for _, p := range strings.Split(os.Getenv("KRB5_CONFIG"), ":") {
			if p != "" {
				if _, err := os.Stat(p); err == nil {
					path = p
					break
				}
			}
		}
	}
	if path == "" {
		path = "/etc/krb5.conf"
	}
	cfg, err := krbconfig.Load(path)
	if err != nil {
		return nil, fmt.Errorf("Kerberos configuration %s: %v", path, err)
	}
	return cfg, nil
}

// ccachePath is the credential cache file: k.CCache or KRB5CCNAME (FILE: only), else /tmp/krb5cc_UID.
func (k *Kerberos) ccachePath() (string, error) {
	name := k.CCache
	if name == "" {
		name = os.Getenv("KRB5CCNAME")
	}
	if name == "" {
		return fmt.Sprintf("/tmp/krb5cc_%d", os.Getuid()), nil
	}
	if typ, rest, ok := strings.Cut(name, ":"); ok && !strings.Contains(typ, "/") {
		if typ != "FILE" {
			return "", fmt.Errorf("credential cache %s: only FILE: caches are supported (set KRB5CCNAME=FILE:/path and kinit again)", name)
		}
		name = rest
	}
	return name, nil
}

// login gets the client's Kerberos credentials: from the keytab (asking the KDC for a ticket-granting
// ticket) or from the credential cache.
func (k *Kerberos) login() (*krbclient.Client, error) {
	cfg, err := k.krb5Config()
	if err != nil {
		return nil, err
	}
	if k.Keytab == "" {
		path, err := k.ccachePath()
		if err != nil {
			return nil, err
		}
		cc, err := credentials.LoadCCache(path)
		if err != nil {
			return nil, fmt.Errorf("credential cache %s: %v (run kinit first, or give a keytab)", path, err)
		}
		cl, err := krbclient.NewFromCCache(cc, cfg, krbclient.DisablePAFXFAST(true))
		if err != nil {
			return nil, fmt.Errorf("credential cache %s: %v", path, err)
		}
		if k.Principal != "" {
			want, realm, _ := strings.Cut(k.Principal, "@")
			if got := cl.Credentials.UserName(); got != want || (realm != "" && realm != cl.Credentials.Realm()) {
				return nil, fmt.Errorf("credential cache %s holds %s@%s, not %s", path, got, cl.Credentials.Realm(), k.Principal)
			}
		}
		return cl, nil
	}
	if k.Principal == "" {
		return nil, fmt.Errorf("keytab %s: no principal given (the principal option of Krb5LoginModule, or --kerberos-principal)", k.Keytab)
	}
	kt, err := keytab.Load(k.Keytab)
	if err != nil {
		return nil, fmt.Errorf("keytab %s: %v", k.Keytab, err)
	}
	user, realm, _ := strings.Cut(k.Principal, "@")
	if realm == "" {
		realm = cfg.LibDefaults.DefaultRealm
	}
	if realm == "" {
		return nil, fmt.Errorf("principal %s has no realm and the Kerberos configuration has no default_realm", k.Principal)
	}
	cl := krbclient.NewWithKeytab(user, realm, kt, cfg, krbclient.DisablePAFXFAST(true))
	if err := cl.Login(); err != nil {
		return nil, fmt.Errorf("Kerberos login of %s@%s with keytab %s: %v", user, realm, k.Keytab, krbMessage(err))
	}
	return cl, nil
}

// krbMessage shortens gokrb5's nested error texts to their last, most specific part.
func krbMessage(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, " < "); i >= 0 {
		s = s[i+3:]
	}
	return s
}

// gssapiExchange runs SASL GSSAPI over round (one SASL request and its reply token) against server
// (host:port). A connection failure is returned as is; anything else as *saslRefused.
func gssapiExchange(k *Kerberos, server string, round func([]byte) ([]byte, error)) error {
	who := k.name()
	refused := func(err error) error { return &saslRefused{user: who, err: err} }
	cl, err := k.login()
	if err != nil {
		return refused(err)
	}
	defer cl.Destroy()
	if k.Principal == "" {
		who = cl.Credentials.UserName() + "@" + cl.Credentials.Realm()
	}
	spn := k.servicePrincipal(server)
	tkt, key, err := cl.GetServiceTicket(spn)
	if err != nil {
		return refused(fmt.Errorf("no Kerberos ticket for the server's principal %s: %v", spn, krbMessage(err)))
	}
	tok, err := spnego.NewKRB5TokenAPREQ(cl, tkt, key, []int{gssapi.ContextFlagInteg, gssapi.ContextFlagConf}, nil)
	if err != nil {
		return refused(fmt.Errorf("GSSAPI token: %v", err))
	}
	apreq, err := tok.Marshal()
	if err != nil {
		return refused(fmt.Errorf("GSSAPI token: %v", err))
	}
	reply, err := round(apreq)
	if err != nil {
		return err
	}
	// The server answers with its wrapped offer at once (Java's acceptor, when its context is
	// established without an output token), or with an AP-REP (mutual authentication) or nothing,
	// and the offer comes for an empty token. The offer's checksum proves the server's identity.
	offer := reply
	if len(reply) < 2 || reply[0] != 0x05 || reply[1] != 0x04 {
		if len(reply) > 0 && reply[0] != 0x60 {
			return refused(errors.New("the server does not run SASL GSSAPI (its first answer is neither a GSS token nor a wrap token)"))
		}
		if offer, err = round([]byte{}); err != nil {
			return err
		}
	}
	if len(offer) == 0 {
		return refused(errors.New("the server does not run SASL GSSAPI (no Krb5LoginModule in its JAAS Server section?)"))
	}
	var wt gssapi.WrapToken
	if err := wt.Unmarshal(offer, true); err != nil {
		return refused(fmt.Errorf("the server's GSSAPI security-layer offer: %v", err))
	}
	if wt.Flags&0x02 != 0 {
		return refused(errors.New("the server's GSSAPI security-layer offer is sealed (encrypted); only integrity-protected offers are supported"))
	}
	if ok, err := wt.Verify(key, keyusage.GSSAPI_ACCEPTOR_SEAL); !ok {
		return refused(fmt.Errorf("the server's GSSAPI security-layer offer does not verify (not the server %s claims to be?): %v", spn, err))
	}
	if len(wt.Payload) != 4 {
		return refused(fmt.Errorf("the server's GSSAPI security-layer offer has %d bytes, want 4", len(wt.Payload)))
	}
	if wt.Payload[0]&0x01 == 0 {
		return refused(fmt.Errorf("the server requires a SASL security layer (offer %#x); zksh runs without one, as Apache's client", wt.Payload[0]))
	}
	authz := cl.Credentials.UserName() + "@" + cl.Credentials.Realm()
	answer := make([]byte, 4, 4+len(authz))
	binary.BigEndian.PutUint32(answer, 0x01000000) // no security layer, maximum size 0
	answer = append(answer, authz...)
	wrapped, err := gssapi.NewInitiatorWrapToken(answer, key)
	if err != nil {
		return refused(fmt.Errorf("GSSAPI wrap: %v", err))
	}
	out, err := wrapped.Marshal()
	if err != nil {
		return refused(fmt.Errorf("GSSAPI wrap: %v", err))
	}
	if _, err := round(out); err != nil {
		return err
	}
	return nil
}
