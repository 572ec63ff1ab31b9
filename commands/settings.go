package commands

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/zksh/zksh/render"
)

// Settings are the global flags. Each has an environment twin (ZKSH_SERVER, ZKSH_OUTPUT...).
type Settings struct {
	Server         string        // connect string: "h1:2181,h2:2181/chroot"
	SessionTimeout time.Duration // requested session timeout
	ConnectTimeout time.Duration // how long a command waits for a session
	WaitTimeout    time.Duration // how long a one-shot -w waits for its event; 0 = no limit
	Auth           []string      // scheme:credential, added to every session
	Output         string        // "table" | "plain" | "json" | "" (table on a terminal, plain otherwise)
	Verbose        bool          // let go-zookeeper/zk log to stderr
	KeepGoing      bool          // scripts: run on after a failing command
	Local          bool          // start an in-process server and use it
	Force          bool          // allow deleteall of / and /zookeeper
	DataDir        string        // --local persistence directory
}

// Default values of the global flags.
const (
	DefaultServer         = "127.0.0.1:2181"
	DefaultSessionTimeout = 30 * time.Second
	DefaultConnectTimeout = 10 * time.Second
)

// maxSessionTimeout is the largest session timeout a client can ask for: ZooKeeper's connect
// request carries it as a 32-bit count of milliseconds.
const maxSessionTimeout = math.MaxInt32 * time.Millisecond

// checkSessionTimeout refuses a session timeout the connect request cannot carry.
func checkSessionTimeout(name string, d time.Duration) error {
	switch {
	case d > maxSessionTimeout:
		return fmt.Errorf("%s %v: too large: at most %v (%d ms: the session timeout is a 32-bit count of milliseconds)",
			name, d, maxSessionTimeout, maxSessionTimeout.Milliseconds())
	case d > 0 && d < time.Millisecond:
		return fmt.Errorf("%s %v: must be at least 1ms (the session timeout is a count of milliseconds)", name, d)
	}
	return nil
}

// DefaultSettings returns the defaults overridden by ZKSH_* environment variables. --force has no
// environment twin on purpose: deleting / should never be a setting left behind in a shell profile.
func DefaultSettings(getenv func(string) string) (Settings, error) {
	s := Settings{
		Server:         DefaultServer,
		SessionTimeout: DefaultSessionTimeout,
		ConnectTimeout: DefaultConnectTimeout,
	}
	if v := getenv("ZKSH_SERVER"); v != "" {
		s.Server = v
	}
	if v := getenv("ZKSH_OUTPUT"); v != "" {
		if _, err := render.ParseFormat(v, false); err != nil {
			return s, usageErrorf("", "ZKSH_OUTPUT: %v", err)
		}
		s.Output = v
	}
	if v := getenv("ZKSH_AUTH"); v != "" {
		s.Auth = []string{v}
	}
	for _, b := range []struct {
		name string
		dst  *bool
	}{
		{"ZKSH_VERBOSE", &s.Verbose},
		{"ZKSH_KEEP_GOING", &s.KeepGoing},
		{"ZKSH_LOCAL", &s.Local},
	} {
		v, ok := parseBool(getenv(b.name))
		if !ok {
			return s, usageErrorf("", "%s=%s: want 1/true/yes/on or 0/false/no/off", b.name, getenv(b.name))
		}
		*b.dst = v
	}
	s.DataDir = getenv("ZKSH_DATA_DIR")
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{
		{"ZKSH_TIMEOUT", &s.SessionTimeout},
		{"ZKSH_CONNECT_TIMEOUT", &s.ConnectTimeout},
		{"ZKSH_WAIT_TIMEOUT", &s.WaitTimeout},
	} {
		if v := getenv(d.name); v != "" {
			t, err := time.ParseDuration(v)
			if err != nil {
				return s, usageErrorf("", "%s: invalid duration %q (e.g. 30s)", d.name, v)
			}
			if t < 0 || t == 0 && d.name != "ZKSH_WAIT_TIMEOUT" {
				return s, usageErrorf("", "%s=%s: must be positive", d.name, v)
			}
			if d.name == "ZKSH_TIMEOUT" {
				if err := checkSessionTimeout("ZKSH_TIMEOUT", t); err != nil {
					return s, &UsageError{Err: err}
				}
			}
			*d.dst = t
		}
	}
	return s, nil
}

// parseBool reads a boolean environment variable; unset is false, anything unrecognised is not ok.
func parseBool(v string) (value, ok bool) {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true, true
	case "", "0", "false", "no", "off":
		return false, true
	}
	return false, false
}
