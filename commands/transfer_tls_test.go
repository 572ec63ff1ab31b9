package commands

import (
	"testing"

	"github.com/zksh/zksh/internal/zktest"
)

// TestMirrorURLOverTLS: a zk:// URL is reached with the command line's TLS settings (its flags, or
// CLIENT_JVMFLAGS alone), a zk+plain:// URL without TLS, so that mirror copies from a plain bundled
// server to Apache's and the bundled server's secure port requiring client certificates, with the
// current session on either side. Without TLS settings, a zk:// URL to a secure port fails with
// exit 3 naming the URL, and nothing is written.
func TestMirrorURLOverTLS(t *testing.T) {
	f := zktest.Certs(t)
	stores := makeJVMStores(t, f)
	plain := bundled(t)
	on(t, plain, "", "create", "/mirror-tls", "top").must(t)
	on(t, plain, "", "create", "/mirror-tls/a", "alpha").must(t)
	on(t, plain, "", "create", "/mirror-tls/a/b", "beta").must(t)
	mtls := []string{"--tls-ca", f.CA, "--tls-cert", f.ClientBundle}
	check := func(t *testing.T, secure, root string) {
		t.Helper()
		if r := tlsRun(secure, append(mtls, "get", root+"/a/b")...).must(t); r.out != "beta\n" {
			t.Fatalf("%s/a/b over TLS after mirror: %q", root, r.out)
		}
	}
	targets := secureTargets(t, "ssl.keyStore.location="+f.ServerBundle, "ssl.trustStore.location="+f.CA, "ssl.clientAuth=need")
	for name, secure := range targets {
		t.Run(name, func(t *testing.T) {
			dst := "/mirror-tls-" + name
			// Both URLs; the TLS flags apply to zk:// only.
			mainRun(append(mtls, "mirror", "zk+plain://"+plain+"/mirror-tls", "zk://"+secure+dst)...).must(t)
			check(t, secure, dst)
			// The current session is the secure one, the source a zk+plain:// URL.
			tlsRun(secure, append(mtls, "mirror", "zk+plain://"+plain+"/mirror-tls", dst+"-2")...).must(t)
			check(t, secure, dst+"-2")
			// The settings of CLIENT_JVMFLAGS apply to a zk:// URL as to the session.
			t.Setenv("JVMFLAGS", "")
			t.Setenv("CLIENT_JVMFLAGS", stores.flags(stores.trust))
			on(t, plain, "", "diff", "zk+plain://"+plain+"/mirror-tls", "zk://"+secure+dst).must(t)
			t.Setenv("CLIENT_JVMFLAGS", "")

			// Without TLS settings: the secure port cannot be read, and nothing is written.
			r := on(t, plain, "", "--connect-timeout", "3s", "mirror", "zk://"+secure+dst, "/mirror-back-"+name)
			r.fails(t, ExitUnavailable, "zk://"+secure+dst)
			r.fails(t, ExitUnavailable, "if it is a secure client port, give the TLS settings")
			if r := on(t, plain, "", "stat", "/mirror-back-"+name); r.code != ExitRefused {
				t.Fatalf("mirror wrote to the destination after failing: %+v", r)
			}
			// The TLS settings apply to the session too: a plain server named as the current one fails.
			r = on(t, plain, "", append(mtls, "mirror", "/mirror-tls", "zk://"+secure+dst+"-3")...)
			r.fails(t, ExitUnavailable, "TLS")
		})
	}
}
