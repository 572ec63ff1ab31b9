// Package zktest starts a real Apache ZooKeeper 3.8 (Debian's zookeeper package) for tests, so every
// behaviour zksh relies on is checked against the server it replaces.
//
// A test binary shares one instance (Apache) started on first use and stopped by Main; scenarios that
// need their own settings start a dedicated one (StartApache). Tests that need a ZooKeeper but not
// Apache's in particular use Server, which falls back to the bundled server where Java is absent.
package zktest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
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

// Where Debian's zookeeper package installs the scripts; ZKSH_ZOOKEEPER_HOME overrides it.
const debianHome = "/usr/share/zookeeper"

// SuperUser and SuperPassword are accepted by every instance as ZooKeeper's super user.
const (
	SuperUser     = "super"
	SuperPassword = "secret"
	// SuperDigest is base64(sha1("super:secret")), as DigestAuthenticationProvider expects.
	SuperDigest = "super:lK75jTNcA+U9vtVEw5vB51mj/w4="
)

// Options change a dedicated instance's zoo.cfg.
type Options struct {
	// Secure, when not nil, adds a secureClientPort (Instance.SecureAddr) with these zoo.cfg lines
	// (the ssl.* keys), served by Netty: the JVM is started with Netty on the class path, which
	// Debian's zkServer.sh leaves out.
	Secure []string
	// TickTime bounds negotiated session timeouts to [2, 20] ticks; default 500ms.
	TickTime time.Duration
	// Extra zoo.cfg lines, e.g. "maxClientCnxns=5".
	Extra []string
	// JVMFlags replaces the test tuning (fast container/TTL reaping, C1-only JIT for quick start-up);
	// benchmarks pass production-like flags here. The super digest is always set.
	JVMFlags string
	// AdminPort, when not 0, enables the AdminServer on 127.0.0.1:AdminPort (see adminServerJVMFlags).
	AdminPort int
}

// Instance is one running Apache ZooKeeper.
type Instance struct {
	Addr    string // 127.0.0.1:PORT
	Port    int
	DataDir string
	cmd     *exec.Cmd
	dir     string
	done    chan struct{}
	stopped sync.Once

	SecureAddr string // 127.0.0.1:PORT of the secureClientPort, with Options.Secure
}

func installHint() string {
	return "Apache ZooKeeper not installed (apt-get install zookeeper python3-kazoo)"
}

// missing skips the test, or fails it in CI where every dependency must be installed.
func missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s: required in CI", what)
	}
	t.Skip(what)
}

func home() string {
	if h := os.Getenv("ZKSH_ZOOKEEPER_HOME"); h != "" {
		return h
	}
	return debianHome
}

// Installed reports whether zkServer.sh and zkCli.sh are present.
func Installed() bool {
	for _, s := range []string{"zkServer.sh", "zkCli.sh"} {
		if _, err := os.Stat(filepath.Join(home(), "bin", s)); err != nil {
			return false
		}
	}
	_, err := exec.LookPath("java")
	return err == nil
}

// ZkCli returns the path of Apache's zkCli.sh, skipping (failing in CI) when it is not installed.
func ZkCli(t testing.TB) string {
	t.Helper()
	if !Installed() {
		missing(t, installHint())
	}
	return filepath.Join(home(), "bin", "zkCli.sh")
}

// RequireKazoo returns the system python3 with kazoo importable, skipping (failing in CI) without it.
func RequireKazoo(t testing.TB) string {
	t.Helper()
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		missing(t, "python3 not installed (apt-get install python3-kazoo)")
	}
	if err := exec.Command(py, "-c", "import kazoo").Run(); err != nil {
		missing(t, "python3-kazoo not installed (apt-get install python3-kazoo)")
	}
	return py
}

var (
	sharedOnce sync.Once
	shared     *Instance
	sharedErr  error
)

// Apache returns the address of the test binary's shared Apache ZooKeeper, starting it on first use.
func Apache(t testing.TB) string {
	t.Helper()
	if !Installed() {
		missing(t, installHint())
	}
	sharedOnce.Do(func() { shared, sharedErr = start(Options{}) })
	if sharedErr != nil {
		t.Fatalf("start Apache ZooKeeper: %v", sharedErr)
	}
	return shared.Addr
}

// StartApache starts a dedicated instance, stopped when the test ends.
func StartApache(t testing.TB, opts Options) *Instance {
	t.Helper()
	if !Installed() {
		missing(t, installHint())
	}
	inst, err := start(opts)
	if err != nil {
		t.Fatalf("start Apache ZooKeeper: %v", err)
	}
	t.Cleanup(inst.Stop)
	return inst
}

// Main runs the tests and then stops the shared instance: use it as TestMain's body.
func Main(m interface{ Run() int }) {
	code := m.Run()
	if shared != nil {
		shared.Stop()
	}
	if bundled != nil {
		bundled.Close()
	}
	os.Exit(code)
}

// nettyJars are the jars of Debian's libnetty-java that Apache ZooKeeper's Netty connections need
// (zookeeper.jar's manifest names only some of them).
var nettyJars = []string{"netty-common", "netty-buffer", "netty-transport", "netty-handler", "netty-codec",
	"netty-resolver", "netty-transport-native-unix-common", "netty-transport-native-epoll"}

// JavaClassPath is the class path of Apache ZooKeeper's server and Java client with Netty (for
// TLS): Debian's conf directory, zookeeper.jar and libnetty-java's jars.
func JavaClassPath() string {
	cp := []string{"/etc/zookeeper/conf", "/usr/share/java/zookeeper.jar"}
	for _, j := range nettyJars {
		cp = append(cp, "/usr/share/java/"+j+".jar")
	}
	return strings.Join(cp, ":")
}

// secureLines are the zoo.cfg lines of a secureClientPort on port served by Netty, followed by ssl
// (the ssl.* keys).
func secureLines(port int, ssl []string) []string {
	return append([]string{"secureClientPort=" + strconv.Itoa(port),
		"serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory"}, ssl...)
}

// secureCommand makes cmd run what zkServer.sh start-foreground runs, with Netty's jars added to
// the class path, for a secureClientPort.
func secureCommand(cmd *exec.Cmd, jvm, logDir, cfgPath string) error {
	for _, j := range nettyJars {
		if _, err := os.Stat("/usr/share/java/" + j + ".jar"); err != nil {
			return fmt.Errorf("libnetty-java not installed (apt-get install libnetty-java): %w", err)
		}
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return err
	}
	args := append([]string{"java", "-cp", JavaClassPath(), "-Dzookeeper.log.dir=" + logDir,
		"-Dzookeeper.root.logger=INFO,CONSOLE", "-Dzookeeper.DigestAuthenticationProvider.superDigest=" + SuperDigest},
		strings.Fields(jvm)...)
	cmd.Path, cmd.Args = java, append(args, "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfgPath)
	return nil
}

// FreePort asks the kernel for an unused loopback port.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Launch starts an instance outside a test (benchmarks); the caller stops it.
func Launch(opts Options) (*Instance, error) {
	if !Installed() {
		return nil, fmt.Errorf("%s", installHint())
	}
	return start(opts)
}

func start(opts Options) (*Instance, error) {
	if opts.TickTime == 0 {
		opts.TickTime = 500 * time.Millisecond
	}
	dir, err := os.MkdirTemp("", "zksh-apache-")
	if err != nil {
		return nil, err
	}
	var lastErr error
	// A port picked free can be taken before Java binds it; try a few.
	for attempt := 0; attempt < 3; attempt++ {
		inst, err := startOnce(dir, opts)
		if err == nil {
			return inst, nil
		}
		lastErr = err
	}
	os.RemoveAll(dir)
	return nil, lastErr
}

func startOnce(dir string, opts Options) (*Instance, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	securePort := 0
	if opts.Secure != nil {
		if securePort, err = FreePort(); err != nil {
			return nil, err
		}
		opts.Extra = append(append([]string(nil), opts.Extra...), secureLines(securePort, opts.Secure)...)
	}
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	cfg := []string{
		"tickTime=" + strconv.Itoa(int(opts.TickTime/time.Millisecond)),
		"dataDir=" + data,
		"clientPort=" + strconv.Itoa(port),
		"clientPortAddress=127.0.0.1",
		"maxClientCnxns=0",
		"admin.enableServer=false",
		"4lw.commands.whitelist=*",
		"extendedTypesEnabled=true",
		"autopurge.purgeInterval=0",
	}
	if opts.AdminPort != 0 {
		cfg = append(cfg, "admin.enableServer=true", "admin.serverAddress=127.0.0.1", "admin.serverPort="+strconv.Itoa(opts.AdminPort))
	}
	cfg = append(cfg, opts.Extra...)
	cfgPath := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfgPath, []byte(strings.Join(cfg, "\n")+"\n"), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(filepath.Join(home(), "bin", "zkServer.sh"), "start-foreground", cfgPath)
	jvm := opts.JVMFlags
	if jvm == "" {
		// Containers and TTL nodes are reaped by a timer that defaults to a minute.
		jvm = "-Dznode.container.checkIntervalMs=100 -Dznode.container.maxPerMinute=100000 -XX:TieredStopAtLevel=1"
	}
	if opts.AdminPort != 0 {
		jvm += adminServerJVMFlags()
	}
	cmd.Env = append(os.Environ(),
		"ZOO_LOG_DIR="+dir,
		"SERVER_JVMFLAGS="+jvm+" -Dzookeeper.DigestAuthenticationProvider.superDigest="+SuperDigest,
	)
	if opts.Secure != nil {
		if err := secureCommand(cmd, jvm, dir, cfgPath); err != nil {
			return nil, err
		}
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	inst := &Instance{Addr: fmt.Sprintf("127.0.0.1:%d", port), Port: port, DataDir: data, cmd: cmd, dir: dir, done: make(chan struct{})}
	if securePort != 0 {
		inst.SecureAddr = fmt.Sprintf("127.0.0.1:%d", securePort)
	}
	go func() { cmd.Wait(); close(inst.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-inst.done:
			return nil, fmt.Errorf("zkServer.sh exited early:\n%s", out.String())
		default:
		}
		// ruok answers before the server takes requests; srvr names its mode only once it does. The
		// port was free when picked, so another test's server may have taken it since: only an Apache
		// 3.8 naming our data directory will do (or, where conf is not whitelisted, an Apache 3.8
		// while our JVM, which would have died on a taken port, still runs).
		if reply, _ := FourLetter(inst.Addr, "srvr"); isApacheServing(reply) {
			conf, _ := FourLetter(inst.Addr, "conf")
			if strings.Contains(conf, "dataDir="+data+"/") || strings.Contains(conf, "not in the whitelist") && inst.running() {
				return inst, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	inst.kill()
	return nil, fmt.Errorf("Apache ZooKeeper was not serving on %s within 60s:\n%s", inst.Addr, out.String())
}

func (i *Instance) running() bool {
	select {
	case <-i.done:
		return false
	default:
		return true
	}
}

func (i *Instance) kill() {
	if i.cmd.Process != nil {
		syscall.Kill(-i.cmd.Process.Pid, syscall.SIGKILL)
	}
	<-i.done
}

// Stop kills the instance and removes its files.
func (i *Instance) Stop() {
	i.stopped.Do(func() {
		i.kill()
		os.RemoveAll(i.dir)
	})
}

// servletAPI is the Servlet API Debian installs; Debian's zookeeper leaves it off the server's class
// path, so that Jetty cannot load and the AdminServer silently does not start ("Unable to load
// jetty": javax/servlet/Servlet not found).
const servletAPI = "/usr/share/java/servlet-api.jar"

// adminServerJVMFlags are the JVM flags the AdminServer needs under Debian's zookeeper: the Servlet
// API appended to the boot class path (zkEnv.sh sets the class path itself).
func adminServerJVMFlags() string {
	if _, err := os.Stat(servletAPI); err != nil {
		return ""
	}
	return " -Xbootclasspath/a:" + servletAPI
}

// isApacheServing reports whether a srvr reply comes from an Apache ZooKeeper 3.8 taking requests.
func isApacheServing(srvr string) bool {
	return strings.Contains(srvr, "Mode:") && strings.Contains(srvr, "Zookeeper version: 3.8") &&
		!strings.Contains(srvr, "zksh")
}

// FourLetter sends a four-letter word and returns the whole reply.
func FourLetter(addr, word string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write([]byte(word)); err != nil {
		return "", err
	}
	var b bytes.Buffer
	_, err = b.ReadFrom(bufio.NewReader(c))
	return b.String(), err
}

// PID is the server's process id (zkServer.sh start-foreground execs the JVM in place).
func (i *Instance) PID() int { return i.cmd.Process.Pid }
