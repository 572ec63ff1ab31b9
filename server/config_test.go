package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zksh/zksh/server"
)

func TestParseConfig(t *testing.T) {
	cfg, warnings, err := server.ParseConfig(strings.NewReader(`# a typical zoo.cfg
tickTime=500
initLimit=10
syncLimit=5
dataDir=/var/lib/zookeeper
clientPort = 2182
clientPortAddress: 0.0.0.0
maxClientCnxns=0
minSessionTimeout=1500
4lw.commands.whitelist=ruok, stat ,mntr
extendedTypesEnabled=true
DigestAuthenticationProvider.superDigest=super:abc=
jute.maxbuffer=1000000
authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TickTime != 500*time.Millisecond || cfg.DataDir != "/var/lib/zookeeper" || cfg.ClientPort != 2182 ||
		cfg.ClientPortAddress != "0.0.0.0" || cfg.MaxClientCnxns != 0 || cfg.MinSessionTimeout != 1500*time.Millisecond ||
		cfg.MaxSessionTimeout != 10*time.Second || !cfg.ExtendedTypesEnabled || cfg.SuperDigest != "super:abc=" ||
		cfg.JuteMaxBuffer != 1000000 || strings.Join(cfg.FourLetterWords, ",") != "ruok,stat,mntr" || !cfg.SASLACL {
		t.Fatalf("config %+v", cfg)
	}
	if len(warnings) != 2 {
		t.Fatalf("warnings %q", warnings)
	}
	for _, key := range []string{"initLimit", "syncLimit"} {
		if !strings.Contains(strings.Join(warnings, "\n"), key) {
			t.Errorf("no warning for %s", key)
		}
	}

	cfg, _, err = server.ParseConfig(strings.NewReader("dataDir=/d\n"))
	if err != nil || cfg.ClientPort != 2181 || cfg.MaxClientCnxns != 60 || cfg.TickTime != 0 && cfg.TickTime != 2*time.Second {
		t.Fatalf("defaults %+v %v", cfg, err)
	}
	if _, _, err := server.ParseConfig(strings.NewReader("tickTime=abc\n")); err == nil {
		t.Fatal("bad number accepted")
	}
	if _, _, err := server.ParseConfig(strings.NewReader("minSessionTimeout=9000\nmaxSessionTimeout=4000\n")); err == nil {
		t.Fatal("min > max accepted")
	}
}

func TestLoadConfigFileResolvesRelativeDirs(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "zoo.cfg")
	os.WriteFile(path, []byte("dataDir=data\nclientPort=0\n"), 0o644)
	cfg, _, err := server.LoadConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if cfg.DataDir != filepath.Join(wd, "data") {
		t.Fatalf("dataDir %q", cfg.DataDir)
	}
	if _, _, err := server.LoadConfigFile(filepath.Join(dir, "missing.cfg")); err == nil {
		t.Fatal("missing file accepted")
	}
}

// TestEnsembleConfigRefused: an ensemble member's zoo.cfg (server.N lines, in the file or in its
// dynamicConfigFile) is refused: a single-node server started from it would accept writes apart
// from the ensemble.
func TestEnsembleConfigRefused(t *testing.T) {
	for _, text := range []string{
		"dataDir=/d\nserver.1=zk1:2888:3888\n",
		"server.3 = zk3:2888:3888:participant;2181\ndataDir=/d\n",
	} {
		if _, _, err := server.ParseConfig(strings.NewReader(text)); err == nil || !strings.Contains(err.Error(), "single-node") {
			t.Errorf("%q: %v", text, err)
		}
	}
	// server.x is not a server line: an ordinary unknown key.
	if _, w, err := server.ParseConfig(strings.NewReader("server.x=1\n")); err != nil || len(w) != 1 {
		t.Errorf("server.x: %v %q", err, w)
	}
	dir := t.TempDir()
	dyn := filepath.Join(dir, "zoo.cfg.dynamic.100000000")
	os.WriteFile(dyn, []byte("server.1=zk1:2888:3888:participant;0.0.0.0:2181\nserver.2=zk2:2888:3888:participant;0.0.0.0:2181\n"), 0o644)
	cfgPath := filepath.Join(dir, "zoo.cfg")
	os.WriteFile(cfgPath, []byte("dataDir="+dir+"\ndynamicConfigFile="+dyn+"\n"), 0o644)
	if _, _, err := server.LoadConfigFile(cfgPath); err == nil || !strings.Contains(err.Error(), "single-node") ||
		!strings.Contains(err.Error(), dyn) {
		t.Fatalf("dynamic file with servers: %v", err)
	}
	os.WriteFile(dyn, []byte("# nothing\n"), 0o644)
	if _, w, err := server.LoadConfigFile(cfgPath); err != nil || !strings.Contains(strings.Join(w, "\n"), "dynamicConfigFile") {
		t.Fatalf("dynamic file without servers: %v %q", err, w)
	}
	os.Remove(dyn)
	if _, _, err := server.LoadConfigFile(cfgPath); err == nil {
		t.Fatal("missing dynamic file accepted")
	}
}
