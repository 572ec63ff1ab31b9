package zktest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The harness's KDC issues tickets: kinit from a keytab it made, and klist shows the principal.
func TestStartKDCKinit(t *testing.T) {
	k := StartKDC(t)
	keytab := k.Principal(t, "bob")
	cache := k.Kinit(t, "bob", keytab)
	path, err := kdcTool("klist")
	if err != nil {
		missing(t, "klist not installed (apt-get install krb5-user)")
	}
	cmd := exec.Command(path)
	cmd.Env = append(k.Env(), "KRB5CCNAME="+cache)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("klist: %v: %s", err, out)
	}
	if !strings.Contains(string(out), "bob@"+KDCRealm) || !strings.Contains(string(out), "krbtgt/"+KDCRealm+"@"+KDCRealm) {
		t.Fatalf("klist does not show bob's ticket-granting ticket:\n%s", out)
	}
	if _, err := os.Stat(keytab); err != nil {
		t.Fatal(err)
	}
}
