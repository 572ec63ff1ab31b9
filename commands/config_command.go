package commands

import (
	"context"
	"sort"
	"strings"

	"github.com/go-zookeeper/zk"
	"github.com/spf13/cobra"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/render"
)

// ConfigOptions are config's parsed inputs.
type ConfigOptions struct {
	Env    *Env
	Client bool // -c: the version and the client addresses only
	Watch  bool
	Stat   bool
}

// NewCmdConfig builds `config [-c] [-w] [-s]`, zkCli's.
func NewCmdConfig(env *Env, runF func(context.Context, *ConfigOptions) error) *cobra.Command {
	opts := &ConfigOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "config [-c] [-w] [-s]",
		Short: "Print the ensemble's dynamic configuration (/zookeeper/config)",
		Long: `Print the ensemble's dynamic configuration, as zkCli's config does: the server lines
(server.N=host:quorumPort:electionPort:role;clientHost:clientPort) and the version. It is read
from /zookeeper/config itself, whatever the chroot. -c prints only the version and the client
addresses ("100000000 host:port,host:port"), -s adds the znode's stat, -w waits for the next
change (in the shell: sets the watch).`,
		Example: "  zksh config\n  zksh config -c",
		Args:    rangeArgs(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWith(cmd, opts, runF, configRun)
		},
	}
	cmd.Flags().BoolVarP(&opts.Client, "client", "c", false, "only the version and the client connect string")
	cmd.Flags().BoolVarP(&opts.Watch, "watch", "w", false, "watch the configuration: print the next change event")
	cmd.Flags().BoolVarP(&opts.Stat, "stat", "s", false, "also print the stat")
	return cmd
}

func configRun(ctx context.Context, opts *ConfigOptions) error {
	env := opts.Env
	path := zkclient.ConfigPath
	p, c, err := env.begin(ctx, path)
	if err != nil {
		return err
	}
	var (
		data []byte
		st   *zk.Stat
		ch   <-chan zk.Event
	)
	if opts.Watch {
		data, st, ch, err = c.GetConfigW()
	} else {
		data, st, err = c.GetConfig()
	}
	if err != nil {
		return pathError(path, err)
	}
	if opts.Client {
		err = p.Message(env.IO.Out, "clientConfig", clientConfig(string(data)))
		if err == nil && opts.Stat {
			err = p.Stat(env.IO.Out, path, st)
		}
	} else {
		err = p.Node(env.IO.Out, render.Node{Path: path, Data: data, Stat: st, ShowStat: opts.Stat})
	}
	if err != nil {
		return pathError(path, err)
	}
	if opts.Watch {
		return env.awaitWatch(ctx, path, ch)
	}
	return nil
}

// clientConfig is zkCli's config -c: the configuration's version, a space, and the client addresses
// of its server lines, comma-separated (here in the order of the servers' ids).
func clientConfig(cfg string) string {
	version := ""
	type member struct {
		id   int
		addr string
	}
	var members []member
	for _, line := range strings.Split(cfg, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		if k == "version" {
			version = strings.TrimSpace(v)
		}
	}
	for _, m := range zkclient.ParseConfig(cfg) {
		if m.ClientSpec != "" {
			members = append(members, member{m.ID, m.ClientSpec})
		}
	}
	sort.SliceStable(members, func(i, j int) bool { return members[i].id < members[j].id })
	addrs := make([]string, len(members))
	for i, m := range members {
		addrs[i] = m.addr
	}
	return version + " " + strings.Join(addrs, ",")
}
