package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zksh/zksh/internal/zkclient"

	"github.com/zksh/zksh/render"
)

// StatusOptions are status's parsed inputs.
type StatusOptions struct {
	Env   *Env
	Watch time.Duration // 0: draw once
	Count int           // --watch: stop after this many draws (0: until Ctrl-C)
	Now   func() time.Time
}

// defaultStatusInterval is --watch's interval when none is given.
const defaultStatusInterval = 2 * time.Second

// NewCmdStatus builds `status [--watch [INTERVAL]] [--count N]`.
func NewCmdStatus(env *Env, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{Env: env, Now: time.Now}
	var watch string
	cmd := &cobra.Command{
		Use:   "status [--watch [INTERVAL]]",
		Short: "Show every ensemble member's mode, zxid, latency and load (srvr)",
		Long: `Ask every member with the four-letter word srvr: the members of the connect string, and those
listed in /zookeeper/config when it can be read (not over TLS: it lists no secure ports; there each
member's id comes from its conf). One row per member: address, mode (leader,
follower, observer, standalone, down, or unknown when srvr is not allowed), last zxid, latency min/avg/max (ms), connections,
outstanding requests, znode count and version.

Exit 3 when a member is down (or not serving), 1 when no member leads (a standalone server is
fine, and so is a follower or observer: it serves only while it follows a leader), else 0. --watch
redraws every INTERVAL (default 2s) until Ctrl-C: in place on a terminal, with the values that
changed since the last draw marked *, else one block (or JSON object) per interval. srvr must be in the servers' 4lw.commands.whitelist (it is by default).`,
		Example: "  zksh -s zk1:2181,zk2:2181,zk3:2181 status\n  zksh status --watch 5s\n  zksh status -o json",
		Args:    rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if !cmd.Flags().Changed("watch") {
					return usageErrorf(cmd.CommandPath(), "status: unexpected argument %q (did you mean --watch %s?)", args[0], args[0])
				}
				watch = args[0]
			}
			if cmd.Flags().Changed("watch") {
				d, err := time.ParseDuration(watch)
				if err != nil {
					if n, nerr := strconv.ParseFloat(watch, 64); nerr == nil {
						d, err = time.Duration(n*float64(time.Second)), nil
					}
				}
				if err != nil || d <= 0 {
					return usageErrorf(cmd.CommandPath(), "status: --watch %q: want a positive interval (e.g. 2s, 500ms, 1m)", watch)
				}
				opts.Watch = d
			} else if cmd.Flags().Changed("count") {
				return usageErrorf(cmd.CommandPath(), "status: --count needs --watch")
			}
			if opts.Count < 0 {
				return usageErrorf(cmd.CommandPath(), "status: --count %d: must not be negative", opts.Count)
			}
			return runWith(cmd, opts, runF, statusRun)
		},
	}
	cmd.Flags().StringVar(&watch, "watch", "", "redraw every INTERVAL (default 2s) until Ctrl-C")
	cmd.Flags().Lookup("watch").NoOptDefVal = defaultStatusInterval.String()
	cmd.Flags().IntVar(&opts.Count, "count", 0, "with --watch: stop after N draws")
	return cmd
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	env := opts.Env
	p, err := env.printer()
	if err != nil {
		return err
	}
	if opts.Watch == 0 {
		s, err := ensembleStatus(ctx, env)
		if err != nil {
			return err
		}
		s.Time = opts.Now()
		if err := p.Status(env.IO.Out, s); err != nil {
			return err
		}
		return statusVerdict(s)
	}
	var prev *render.EnsembleStatus
	for draw := 1; ; draw++ {
		s, err := ensembleStatus(ctx, env)
		if err != nil {
			return err
		}
		s.Time = opts.Now()
		if prev != nil && env.IO.OutTTY {
			s.Changed = statusChanges(*prev, s)
		}
		if env.IO.OutTTY {
			// Like top: clear the screen, then the time, the interval and the table.
			fmt.Fprintf(env.IO.Out, "\x1b[H\x1b[2J%s  every %v  (* changed since the last draw; Ctrl-C to stop)\n\n",
				s.Time.Format("15:04:05"), opts.Watch)
		}
		if err := p.Status(env.IO.Out, s); err != nil {
			return err
		}
		prev = &s
		if opts.Count > 0 && draw >= opts.Count {
			return statusVerdict(s)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(opts.Watch):
		}
	}
}

// statusVerdict is status's exit: 3 when a member is down, 1 when none leads (standalone is fine).
// A serving follower or observer says a leader exists, even when the rows do not show it: it serves
// only while it follows one, and the connect string need not name the leader (over TLS the rows are
// the connect string's members alone).
func statusVerdict(s render.EnsembleStatus) error {
	var down, unknown []string
	lead := false
	for _, m := range s.Members {
		switch m.Mode {
		case "down":
			down = append(down, m.Addr)
		case "unknown":
			unknown = append(unknown, m.Addr)
		case "leader", "standalone", "follower", "observer":
			lead = true
		}
	}
	if len(down) > 0 {
		return &ExitError{Code: ExitUnavailable, Err: fmt.Errorf("%d of %d members down: %s", len(down), len(s.Members), strings.Join(down, ", "))}
	}
	if len(unknown) > 0 {
		return &ExitError{Code: ExitRefused, Err: &whitelistRefusal{"srvr", strings.Join(unknown, ", ")}}
	}
	if !lead {
		return &ExitError{Code: ExitRefused, Err: errors.New("no member leads (no quorum?)")}
	}
	return nil
}

// statusChanges lists, per member, the columns whose value differs from the previous draw.
func statusChanges(prev, cur render.EnsembleStatus) map[string][]string {
	old := map[string]render.MemberStatus{}
	for _, m := range prev.Members {
		old[m.Addr] = m
	}
	changed := map[string][]string{}
	for _, m := range cur.Members {
		o, ok := old[m.Addr]
		if !ok {
			changed[m.Addr] = []string{"address"}
			continue
		}
		var cols []string
		add := func(col string, differs bool) {
			if differs {
				cols = append(cols, col)
			}
		}
		add("mode", o.Mode != m.Mode)
		add("zxid", o.Zxid != m.Zxid)
		add("latency", o.Latency != m.Latency)
		add("connections", o.Connections != m.Connections)
		add("outstanding", o.Outstanding != m.Outstanding)
		add("nodes", o.NodeCount != m.NodeCount)
		add("version", o.Version != m.Version)
		if cols != nil {
			changed[m.Addr] = cols
		}
	}
	return changed
}

// ensembleStatus asks every member with srvr: those of the connect string, then those listed in
// /zookeeper/config (read on the session when a member serves, without TLS) that the connect string
// does not name.
func ensembleStatus(ctx context.Context, env *Env) (render.EnsembleStatus, error) {
	members, err := connectMembers(env.settings().Server)
	if err != nil {
		return render.EnsembleStatus{}, err
	}
	tlsConf, err := env.sessionTLS(env.settings())
	if err != nil {
		return render.EnsembleStatus{}, err
	}
	srvr := func(addr string) render.MemberStatus {
		reply, err := zkclient.FourLetter(ctx, addr, "srvr", tlsConf)
		var nw *zkclient.NotWhitelistedError
		if errors.As(err, &nw) {
			return render.MemberStatus{Addr: addr, Mode: "unknown", Error: "srvr not in its 4lw.commands.whitelist"}
		}
		if err != nil {
			return render.MemberStatus{Addr: addr, Mode: "down", Error: zkclient.Unreachable(err)}
		}
		return parseSrvr(addr, reply)
	}
	rows := forMembers(members, srvr)
	if err := ctx.Err(); err != nil {
		return render.EnsembleStatus{}, err
	}
	serving := false
	for _, r := range rows {
		serving = serving || r.Mode != "down"
	}
	// /zookeeper/config lists the members' plain client ports, not their secure ones: over TLS it
	// cannot say where to ask them, nor which of them the connect string names. Each member's conf
	// says its own id.
	if tlsConf != nil {
		ids := forMembers(rows, func(r render.MemberStatus) int {
			if r.Mode == "down" {
				return 0
			}
			reply, err := zkclient.FourLetter(ctx, r.Addr, "conf", tlsConf)
			if err != nil {
				return 0
			}
			return confServerID(reply)
		})
		for i := range rows {
			rows[i].ID = ids[i]
		}
	}
	if serving && tlsConf == nil {
		if cfg, ok := readEnsembleConfig(ctx, env); ok {
			known := map[string]int{}
			for i, r := range rows {
				known[zkclient.SameAddr(r.Addr)] = i
			}
			var more []string
			ids := map[string]int{}
			for _, m := range cfg {
				if m.Client == "" {
					continue
				}
				if i, ok := known[zkclient.SameAddr(m.Client)]; ok {
					rows[i].ID = m.ID
					continue
				}
				known[zkclient.SameAddr(m.Client)] = -1
				more = append(more, m.Client)
				ids[m.Client] = m.ID
			}
			for _, r := range forMembers(more, srvr) {
				r.ID = ids[r.Addr]
				rows = append(rows, r)
			}
		}
	}
	return render.EnsembleStatus{Members: rows}, ctx.Err()
}

// confServerID is the serverId line of a conf reply; 0 (unknown) for a standalone server or none.
func confServerID(reply string) int {
	for _, line := range strings.Split(reply, "\n") {
		if v, ok := strings.CutPrefix(line, "serverId="); ok {
			id, _ := strconv.Atoi(strings.TrimSpace(v))
			return id
		}
	}
	return 0
}

// readEnsembleConfig reads /zookeeper/config on the session, waiting no longer than the connect
// timeout (status must not hang on it); ok is false when it cannot be read.
func readEnsembleConfig(ctx context.Context, env *Env) ([]zkclient.ConfigServer, bool) {
	timeout := env.settings().ConnectTimeout
	if timeout <= 0 {
		timeout = DefaultConnectTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := env.Client(ctx)
	if err != nil {
		return nil, false
	}
	type result struct {
		data []byte
		err  error
	}
	ch := make(chan result, 1)
	go func() { data, _, err := c.GetConfig(); ch <- result{data, err} }()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, false
		}
		return zkclient.ParseConfig(string(r.data)), true
	case <-ctx.Done():
		return nil, false
	}
}
