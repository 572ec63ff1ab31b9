package zktest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// KDCRealm is the realm of every test KDC.
const KDCRealm = "ZKSH.TEST"

// KDC is an MIT Kerberos KDC (Debian's krb5-kdc) run by a test on a free loopback port, with its
// own realm (KDCRealm), database and configuration in a temporary directory.
type KDC struct {
	Dir        string // the temporary directory
	Port       int
	Krb5Conf   string // the clients' krb5.conf (KRB5_CONFIG; Java's -Djava.security.krb5.conf)
	kdcProfile string // kdc.conf (KRB5_KDC_PROFILE)
}

// kdcTools are the MIT programs the harness runs.
var kdcTools = []string{"krb5kdc", "kdb5_util", "kadmin.local", "kinit"}

func kdcTool(name string) (string, error) {
	for _, dir := range []string{"/usr/sbin", "/usr/bin", "/sbin", "/bin"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return exec.LookPath(name)
}

// StartKDC starts a KDC for the test's life: realm KDCRealm, localhost mapped to it. It skips the
// test (fails it in CI) when MIT Kerberos is not installed.
func StartKDC(t testing.TB) *KDC {
	t.Helper()
	for _, name := range kdcTools {
		if _, err := kdcTool(name); err != nil {
			missing(t, "MIT Kerberos not installed (apt-get install krb5-kdc krb5-admin-server krb5-user): no "+name)
		}
	}
	dir := t.TempDir()
	var lastErr error
	// A port picked free can be taken before the KDC binds it; try a few.
	for attempt := 0; attempt < 3; attempt++ {
		k, stop, err := startKDC(dir)
		if err == nil {
			t.Cleanup(stop)
			return k
		}
		lastErr = err
	}
	t.Fatalf("starting the KDC: %v", lastErr)
	return nil
}

// startKDC makes the realm's database in dir and starts krb5kdc; stop kills it.
func startKDC(dir string) (k *KDC, stop func(), err error) {
	port, err := FreePort()
	if err != nil {
		return nil, nil, err
	}
	k = &KDC{Dir: dir, Port: port, Krb5Conf: filepath.Join(dir, "krb5.conf"), kdcProfile: filepath.Join(dir, "kdc.conf")}
	db := filepath.Join(dir, "principal")
	for _, f := range []string{db, db + ".ok", db + ".kadm5", db + ".kadm5.lock", filepath.Join(dir, "stash")} {
		os.Remove(f)
	}
	kdcConf := fmt.Sprintf(`[kdcdefaults]
 kdc_ports = %[2]d
 kdc_tcp_ports = %[2]d
[realms]
 %[3]s = {
  database_name = %[1]s/principal
  key_stash_file = %[1]s/stash
  acl_file = %[1]s/kadm5.acl
  kdc_ports = %[2]d
  kdc_tcp_ports = %[2]d
  max_life = 1d
  supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
 }
[logging]
 kdc = FILE:%[1]s/kdc.log
 admin_server = FILE:%[1]s/kadmin.log
 default = FILE:%[1]s/krb5.log
`, dir, port, KDCRealm)
	krb5Conf := fmt.Sprintf(`[libdefaults]
 default_realm = %[2]s
 dns_lookup_realm = false
 dns_lookup_kdc = false
 rdns = false
 udp_preference_limit = 1
 default_tkt_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96
 default_tgs_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96
 permitted_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96
[realms]
 %[2]s = {
  kdc = 127.0.0.1:%[1]d
  admin_server = 127.0.0.1:%[1]d
 }
[domain_realm]
 localhost = %[2]s
 .localhost = %[2]s
`, port, KDCRealm)
	if err := os.WriteFile(k.kdcProfile, []byte(kdcConf), 0o600); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(k.Krb5Conf, []byte(krb5Conf), 0o644); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "kadm5.acl"), nil, 0o600); err != nil {
		return nil, nil, err
	}
	if out, err := k.run("kdb5_util", "create", "-s", "-r", KDCRealm, "-P", "zksh-master-key"); err != nil {
		return nil, nil, fmt.Errorf("kdb5_util create: %v: %s", err, out)
	}
	path, _ := kdcTool("krb5kdc")
	cmd := exec.Command(path, "-n", "-r", KDCRealm)
	cmd.Env = k.Env()
	logf, err := os.Create(filepath.Join(dir, "krb5kdc.out"))
	if err != nil {
		return nil, nil, err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	for deadline := time.Now().Add(20 * time.Second); ; {
		select {
		case <-exited:
			out, _ := os.ReadFile(filepath.Join(dir, "krb5kdc.out"))
			log, _ := os.ReadFile(filepath.Join(dir, "kdc.log"))
			return nil, nil, fmt.Errorf("krb5kdc exited: %s %s", out, log)
		default:
		}
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
			c.Close()
			return k, func() { cmd.Process.Kill(); <-exited }, nil
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			return nil, nil, fmt.Errorf("krb5kdc not listening on port %d after 20s", port)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Env is the environment for MIT tools and clients using this KDC: the process's, with
// KRB5_CONFIG and KRB5_KDC_PROFILE set.
func (k *KDC) Env() []string {
	env := []string{}
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "KRB5_CONFIG=") && !strings.HasPrefix(e, "KRB5_KDC_PROFILE=") && !strings.HasPrefix(e, "KRB5CCNAME=") {
			env = append(env, e)
		}
	}
	return append(env, "KRB5_CONFIG="+k.Krb5Conf, "KRB5_KDC_PROFILE="+k.kdcProfile)
}

func (k *KDC) run(tool string, args ...string) ([]byte, error) {
	path, err := kdcTool(tool)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Env = k.Env()
	return cmd.CombinedOutput()
}

// Principal adds principal (name or service/host, in KDCRealm) with a random key and returns the
// path of a keytab holding it.
func (k *KDC) Principal(t testing.TB, name string) string {
	t.Helper()
	file := filepath.Join(k.Dir, strings.ReplaceAll(name, "/", "_")+".keytab")
	if out, err := k.run("kadmin.local", "-r", KDCRealm, "-q", "addprinc -randkey "+name); err != nil {
		t.Fatalf("kadmin.local addprinc %s: %v: %s", name, err, out)
	}
	if out, err := k.run("kadmin.local", "-r", KDCRealm, "-q", "ktadd -k "+file+" "+name); err != nil {
		t.Fatalf("kadmin.local ktadd %s: %v: %s", name, err, out)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("kadmin.local ktadd %s: no keytab: %v", name, err)
	}
	return file
}

// Kinit gets a ticket-granting ticket for principal from keytab into a new credential cache and
// returns its KRB5CCNAME (FILE:path).
func (k *KDC) Kinit(t testing.TB, principal, keytab string) string {
	t.Helper()
	cache := "FILE:" + filepath.Join(t.TempDir(), "krb5cc")
	path, err := kdcTool("kinit")
	if err != nil {
		missing(t, "kinit not installed (apt-get install krb5-user)")
	}
	cmd := exec.Command(path, "-kt", keytab, principal)
	cmd.Env = append(k.Env(), "KRB5CCNAME="+cache)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kinit -kt %s %s: %v: %s", keytab, principal, err, out)
	}
	return cache
}
