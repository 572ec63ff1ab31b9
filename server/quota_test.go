package server_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/zksh/zksh/jute"
	"github.com/zksh/zksh/server"
)

func quotaServer(t *testing.T, cfg server.Config) *server.Server {
	t.Helper()
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func quotaCreate(t *testing.T, srv *server.Server, path, data string) {
	t.Helper()
	if err := srv.Create(path, []byte(data)); err != nil {
		t.Fatalf("create %s: %v", path, err)
	}
}

func isQuotaExceeded(err error) bool {
	var ke server.KeeperError
	return errors.As(err, &ke) && int32(ke) == jute.ErrQuotaExceeded
}

// A hard count limit set as zkCli 3.8's setquota -N writes it is enforced, and still is after a
// restart from the data directory (the quota paths are rebuilt from the tree).
func TestQuotaEnforcedAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	cfg := server.Config{DataDir: dir, EnforceQuota: true}
	srv := quotaServer(t, cfg)
	for _, p := range []string{"/q", "/zookeeper/quota/q"} {
		quotaCreate(t, srv, p, "")
	}
	quotaCreate(t, srv, "/zookeeper/quota/q/zookeeper_limits", "count=-1,bytes=-1=;countHardLimit=2")
	quotaCreate(t, srv, "/zookeeper/quota/q/zookeeper_stats", "")
	quotaCreate(t, srv, "/q/a", "")
	if err := srv.Create("/q/b", nil); !isQuotaExceeded(err) {
		t.Fatalf("create over the hard limit: %v, want QuotaExceeded", err)
	}
	srv.Close()

	srv = quotaServer(t, cfg)
	if err := srv.Create("/q/b", nil); !isQuotaExceeded(err) {
		t.Fatalf("after restart: %v, want QuotaExceeded", err)
	}
	if data, _, err := srv.Get("/zookeeper/quota/q/zookeeper_stats"); err != nil || string(data) != "count=2,bytes=0" {
		t.Fatalf("stats %q %v", data, err)
	}
}

// Without EnforceQuota (Apache's default) the same quota is only counted.
func TestQuotaNotEnforcedByDefault(t *testing.T) {
	srv := quotaServer(t, server.Config{})
	for _, p := range []string{"/q", "/zookeeper/quota/q"} {
		quotaCreate(t, srv, p, "")
	}
	quotaCreate(t, srv, "/zookeeper/quota/q/zookeeper_limits", "count=-1,bytes=-1=;countHardLimit=1")
	quotaCreate(t, srv, "/zookeeper/quota/q/zookeeper_stats", "")
	quotaCreate(t, srv, "/q/a", "")
	if data, _, _ := srv.Get("/zookeeper/quota/q/zookeeper_stats"); string(data) != "count=2,bytes=0" {
		t.Fatalf("stats %q", data)
	}
}

// A limits node for the root quota takes Apache 3.8.0 down (its path trie refuses the empty
// path); the bundled server keeps it as a plain node and, as Apache's getMaxPrefixWithQuota,
// keeps no quota on the root.
func TestQuotaOnRootIgnored(t *testing.T) {
	srv := quotaServer(t, server.Config{EnforceQuota: true})
	quotaCreate(t, srv, "/zookeeper/quota/zookeeper_limits", "count=-1,bytes=-1=;countHardLimit=1")
	quotaCreate(t, srv, "/zookeeper/quota/zookeeper_stats", "")
	quotaCreate(t, srv, "/a", "")
	quotaCreate(t, srv, "/b", "")
	// Counted over the whole tree when created (/, /zookeeper, its quota and config nodes, the
	// limits and the stats node), not updated after (no quota on the root).
	if data, _, _ := srv.Get("/zookeeper/quota/zookeeper_stats"); string(data) != "count=6,bytes=35" {
		t.Fatalf("root stats %q", data)
	}
}

func TestParseConfigReconfigAndQuota(t *testing.T) {
	cfg, warnings, err := server.ParseConfig(strings.NewReader("reconfigEnabled=true\nenforceQuota=true\n"))
	if err != nil || len(warnings) != 0 || !cfg.ReconfigEnabled || !cfg.EnforceQuota {
		t.Fatalf("%+v %q %v", cfg, warnings, err)
	}
	cfg, _, _ = server.ParseConfig(strings.NewReader("reconfigEnabled=false\nzookeeper.enforceQuota=TRUE\n"))
	if cfg.ReconfigEnabled || !cfg.EnforceQuota {
		t.Fatalf("%+v", cfg)
	}
}
