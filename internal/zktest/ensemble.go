package zktest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// EnsembleOptions change a test ensemble's configuration.
type EnsembleOptions struct {
	// TickTime; default 500ms (elections and session timeouts scale with it).
	TickTime time.Duration
	// AdminServer enables Apache's AdminServer on each member, on a free loopback port
	// (Member.AdminURL).
	AdminServer bool
	// Extra zoo.cfg lines for every member.
	Extra []string
	// Secure, when not nil, gives every member a secureClientPort (Member.SecureAddr) with these
	// zoo.cfg lines (the ssl.* keys), served by Netty, as Options.Secure does for one instance. The
	// plain client port stays: the dynamic configuration (/zookeeper/config) lists it, and Mode and
	// WaitForLeader ask it.
	Secure []string
}

// Ensemble is a quorum of Apache ZooKeeper 3.8 servers on loopback: distinct client, quorum and
// election ports, a data directory (with myid) each, every four-letter word allowed, reconfig enabled,
// standalone mode disabled and the super digest set; the servers are listed as dynamic-config lines
// (server.N=127.0.0.1:quorum:election:participant;127.0.0.1:clientPort).
type Ensemble struct {
	Members []*Member
	opts    EnsembleOptions
	dir     string
}

// Member is one server of an Ensemble.
type Member struct {
	ID         int
	Addr       string // 127.0.0.1:clientPort
	SecureAddr string // 127.0.0.1:secureClientPort when EnsembleOptions.Secure, else ""
	AdminURL   string // http://127.0.0.1:port when EnsembleOptions.AdminServer, else ""
	DataDir    string
	cfgPath    string
	logDir     string
	secure     bool

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	out  *bytes.Buffer
}

// StartEnsemble starts an n-member ensemble, waits until it has a leader and every member serves,
// and stops it when the test (or the benchmark) ends. A test binary should start one and share it
// between its subtests: each member is a JVM.
func StartEnsemble(t testing.TB, n int, opts EnsembleOptions) *Ensemble {
	t.Helper()
	if !Installed() {
		missing(t, installHint())
	}
	e, err := LaunchEnsemble(n, opts)
	if err != nil {
		t.Fatalf("start a %d-member Apache ZooKeeper ensemble: %v", n, err)
	}
	t.Cleanup(e.Stop)
	return e
}

// LaunchEnsemble starts an ensemble outside a test (TestMain); the caller stops it.
func LaunchEnsemble(n int, opts EnsembleOptions) (*Ensemble, error) {
	if opts.TickTime == 0 {
		opts.TickTime = 500 * time.Millisecond
	}
	var lastErr error
	// Ports picked free can be taken before the JVMs bind them: try again with new ones.
	for attempt := 0; attempt < 3; attempt++ {
		e, err := launchEnsemble(n, opts)
		if err == nil {
			return e, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func launchEnsemble(n int, opts EnsembleOptions) (*Ensemble, error) {
	dir, err := os.MkdirTemp("", "zksh-ensemble-")
	if err != nil {
		return nil, err
	}
	e := &Ensemble{opts: opts, dir: dir}
	ports := map[int]bool{}
	free := func() (int, error) {
		for {
			p, err := FreePort()
			if err != nil || !ports[p] {
				ports[p] = true
				return p, err
			}
		}
	}
	var servers []string
	adminPorts, securePorts := make([]int, n), make([]int, n)
	for id := 1; id <= n; id++ {
		var client, quorum, election int
		for _, p := range []*int{&client, &quorum, &election, &adminPorts[id-1], &securePorts[id-1]} {
			if *p, err = free(); err != nil {
				os.RemoveAll(dir)
				return nil, err
			}
		}
		servers = append(servers, fmt.Sprintf("server.%d=127.0.0.1:%d:%d:participant;127.0.0.1:%d", id, quorum, election, client))
		m := &Member{ID: id, Addr: fmt.Sprintf("127.0.0.1:%d", client), secure: opts.Secure != nil}
		if m.secure {
			m.SecureAddr = fmt.Sprintf("127.0.0.1:%d", securePorts[id-1])
		}
		if opts.AdminServer {
			m.AdminURL = fmt.Sprintf("http://127.0.0.1:%d", adminPorts[id-1])
		}
		e.Members = append(e.Members, m)
	}
	for i, m := range e.Members {
		home := filepath.Join(dir, strconv.Itoa(m.ID))
		m.DataDir = filepath.Join(home, "data")
		m.logDir = home
		m.cfgPath = filepath.Join(home, "zoo.cfg")
		if err := os.MkdirAll(m.DataDir, 0o755); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(m.DataDir, "myid"), []byte(strconv.Itoa(m.ID)+"\n"), 0o644); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		cfg := []string{
			"tickTime=" + strconv.Itoa(int(opts.TickTime/time.Millisecond)),
			"initLimit=20",
			"syncLimit=10",
			"dataDir=" + m.DataDir,
			"maxClientCnxns=0",
			"4lw.commands.whitelist=*",
			"reconfigEnabled=true",
			"standaloneEnabled=false",
			"extendedTypesEnabled=true",
			"autopurge.purgeInterval=0",
		}
		if opts.AdminServer {
			cfg = append(cfg, "admin.enableServer=true", "admin.serverAddress=127.0.0.1",
				"admin.serverPort="+strconv.Itoa(adminPorts[i]))
		} else {
			cfg = append(cfg, "admin.enableServer=false")
		}
		if m.secure {
			cfg = append(cfg, secureLines(securePorts[i], opts.Secure)...)
		}
		cfg = append(cfg, opts.Extra...)
		cfg = append(cfg, servers...)
		if err := os.WriteFile(m.cfgPath, []byte(strings.Join(cfg, "\n")+"\n"), 0o644); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	for _, m := range e.Members {
		if err := m.launch(); err != nil {
			e.Stop()
			return nil, err
		}
	}
	if err := e.WaitForLeader(2 * time.Minute); err != nil {
		var logs strings.Builder
		for _, m := range e.Members {
			fmt.Fprintf(&logs, "--- member %d:\n%s\n", m.ID, m.Output())
		}
		e.Stop()
		return nil, fmt.Errorf("%v\n%s", err, logs.String())
	}
	return e, nil
}

// Connect is the connect string naming every member's client port.
func (e *Ensemble) Connect() string {
	addrs := make([]string, len(e.Members))
	for i, m := range e.Members {
		addrs[i] = m.Addr
	}
	return strings.Join(addrs, ",")
}

// SecureConnect is the connect string naming every member's secure client port (EnsembleOptions.Secure).
func (e *Ensemble) SecureConnect() string {
	addrs := make([]string, len(e.Members))
	for i, m := range e.Members {
		addrs[i] = m.SecureAddr
	}
	return strings.Join(addrs, ",")
}

// Mode asks a member for its mode with srvr: "leader", "follower", "observer", "standalone", or ""
// when it does not answer or does not serve yet.
func (m *Member) Mode() string {
	reply, err := FourLetter(m.Addr, "srvr")
	if err != nil && reply == "" {
		return ""
	}
	for _, line := range strings.Split(reply, "\n") {
		if v, ok := strings.CutPrefix(line, "Mode: "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// Leader returns the member that says it leads, or nil.
func (e *Ensemble) Leader() *Member {
	for _, m := range e.Members {
		if m.Running() && m.Mode() == "leader" {
			return m
		}
	}
	return nil
}

// WaitForLeader waits until one running member leads and every other running member follows.
func (e *Ensemble) WaitForLeader(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		leaders, followers, running := 0, 0, 0
		var modes []string
		for _, m := range e.Members {
			if !m.Running() {
				modes = append(modes, fmt.Sprintf("%d: stopped", m.ID))
				continue
			}
			running++
			mode := m.Mode()
			modes = append(modes, fmt.Sprintf("%d: %q", m.ID, mode))
			switch mode {
			case "leader":
				leaders++
			case "follower":
				followers++
			}
		}
		if leaders == 1 && leaders+followers == running {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no leader with every running member following within %v (%s)", timeout, strings.Join(modes, ", "))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (m *Member) launch() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cmd := exec.Command(filepath.Join(home(), "bin", "zkServer.sh"), "start-foreground", m.cfgPath)
	// Small heaps and the C1-only JIT: three JVMs share the machine with the other tests.
	jvm := "-Xmx128m -Xms32m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
	if m.AdminURL != "" {
		jvm += adminServerJVMFlags()
	}
	cmd.Env = append(os.Environ(), "ZOO_LOG_DIR="+m.logDir,
		"SERVER_JVMFLAGS="+jvm+" -Dzookeeper.DigestAuthenticationProvider.superDigest="+SuperDigest)
	if m.secure {
		if err := secureCommand(cmd, jvm, m.logDir, m.cfgPath); err != nil {
			return err
		}
	}
	out := &bytes.Buffer{}
	cmd.Stdout = &lockedWriter{w: out}
	cmd.Stderr = cmd.Stdout
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	m.cmd, m.done, m.out = cmd, done, out
	return nil
}

// lockedWriter lets Output read what the JVM writes while it writes.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Output is what the member's JVM printed so far (its log), for failure messages.
func (m *Member) Output() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cmd == nil {
		return ""
	}
	lw := m.cmd.Stdout.(*lockedWriter)
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.w.String()
}

// Running reports whether the member's JVM runs.
func (m *Member) Running() bool {
	m.mu.Lock()
	done := m.done
	m.mu.Unlock()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// Kill kills the member's JVM (SIGKILL: no goodbye to the others) and waits until it is gone.
func (m *Member) Kill() { m.signal(syscall.SIGKILL) }

// Stop stops the member's JVM with SIGTERM (its shutdown hook runs) and waits until it is gone.
func (m *Member) Stop() { m.signal(syscall.SIGTERM) }

func (m *Member) signal(sig syscall.Signal) {
	m.mu.Lock()
	cmd, done := m.cmd, m.done
	m.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	syscall.Kill(-cmd.Process.Pid, sig)
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

// Restart starts a stopped (or killed) member again with its data and configuration, and waits until
// the ensemble has a leader and every member follows or leads.
func (e *Ensemble) Restart(m *Member) error {
	if m.Running() {
		return fmt.Errorf("member %d still runs", m.ID)
	}
	if err := m.launch(); err != nil {
		return err
	}
	if err := e.WaitForLeader(2 * time.Minute); err != nil {
		return fmt.Errorf("after restarting member %d: %v\n%s", m.ID, err, m.Output())
	}
	return nil
}

// Stop kills every member and removes the ensemble's files.
func (e *Ensemble) Stop() {
	for _, m := range e.Members {
		m.Kill()
	}
	os.RemoveAll(e.dir)
}
