package zkclient

import (
	"net"
	"strconv"
	"strings"

	"github.com/go-zookeeper/zk"
)

// ConfigPath is the znode holding the ensemble's dynamic configuration.
const ConfigPath = "/zookeeper/config"

// GetConfig reads the ensemble's dynamic configuration. Like Apache's ZooKeeper.getConfig it reads
// /zookeeper/config itself, whatever the chroot.
func (c *Client) GetConfig() ([]byte, *zk.Stat, error) { return c.s.Get(ConfigPath) }

// GetConfigW is GetConfig that also sets a data watch on the configuration; its event names
// /zookeeper/config.
func (c *Client) GetConfigW() ([]byte, *zk.Stat, <-chan zk.Event, error) {
	return c.s.GetW(ConfigPath)
}

// ConfigServer is one server line of a dynamic configuration:
// server.N=host:quorumPort:electionPort[:role][;[clientHost:]clientPort].
type ConfigServer struct {
	ID   int
	Role string // participant or observer
	// Client is where clients reach it (host:port; a wildcard client address is replaced by the
	// quorum host); "" when the line names no client port.
	Client string
	// ClientSpec is the client address as the line gives it, 0.0.0.0 for a port alone (zkCli's
	// config -c prints it so).
	ClientSpec string
}

// ParseConfig reads the server lines of a dynamic configuration (/zookeeper/config's data).
func ParseConfig(cfg string) []ConfigServer {
	var out []ConfigServer
	for _, line := range strings.Split(cfg, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		idText, isServer := strings.CutPrefix(k, "server.")
		if !ok || !isServer {
			continue
		}
		id, err := strconv.Atoi(idText)
		if err != nil {
			continue
		}
		m := ConfigServer{ID: id, Role: "participant"}
		quorum, client, _ := strings.Cut(v, ";")
		parts := strings.Split(quorum, ":")
		if len(parts) >= 4 {
			m.Role = parts[3]
		}
		if client = strings.TrimSpace(client); client != "" {
			host, port, err := net.SplitHostPort(client)
			if err != nil { // the port alone
				host, port = "0.0.0.0", client
			}
			m.ClientSpec = net.JoinHostPort(host, port)
			if host == "0.0.0.0" || host == "" || host == "::" {
				host = parts[0] // every interface: reach it where the quorum does
			}
			m.Client = net.JoinHostPort(host, port)
		}
		out = append(out, m)
	}
	return out
}
