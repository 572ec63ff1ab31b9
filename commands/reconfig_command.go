package commands

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/render"
)

// ReconfigOptions are reconfig's parsed inputs: nil strings are parts not given.
type ReconfigOptions struct {
	Env                       *Env
	Joining, Leaving, Members *string
	FromConfig                int64 // -v, -1 = any
	Stat                      bool
}

// reconfigFlags are reconfig's options zkCli spells with one dash (-members); cobra parses them
// with two (reconfigArgs rewrites them).
var reconfigFlags = map[string]bool{"file": true, "members": true, "add": true, "remove": true}

// NewCmdReconfig builds `reconfig [-s] [-v version] [-file path | -members m1,m2… | -add s1,s2… -remove id1,id2…]`, zkCli's.
func NewCmdReconfig(env *Env, runF func(context.Context, *ReconfigOptions) error) *cobra.Command {
	opts := &ReconfigOptions{Env: env}
	var version, file, members, add, remove string
	cmd := &cobra.Command{
		Use:   "reconfig [-s] [-v version] [-file path | -members m1,m2... | -add s1,s2... -remove id1,id2...]",
		Short: "Change the ensemble's membership (dynamic reconfiguration)",
		Long: `Change the ensemble's membership, as zkCli's reconfig does: incrementally with -add (server
lines: server.N=host:quorumPort:electionPort[:participant|observer];[host:]clientPort, comma
separated) and -remove (server ids, comma separated), or as a whole with -members (server lines)
or -file (a dynamic configuration file: its server.N, group and weight lines). -v applies the
change only if the configuration's version (hex, as config prints it) is still that one. The
new configuration is printed on stdout (-s adds its stat; zkCli's "Committed new configuration:"
heading goes to stderr). The ensemble needs reconfigEnabled=true, and the session the super user
or an ACL on /zookeeper/config that allows writing.`,
		Example: "  zksh --auth digest:super:secret reconfig -remove 3\n" +
			"  zksh --auth digest:super:secret reconfig -add 'server.3=10.0.0.3:2888:3888:participant;2181'",
		Args: rangeArgs(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			f := cmd.Flags()
			use := cmd.CommandPath()
			opts.FromConfig = -1
			if f.Changed("version") {
				v, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimPrefix(version, "0x"), "0X"), 16, 64)
				if err != nil || v < 0 {
					return usageErrorf(use, "-v %q: want the configuration's version in hex (as config prints it, e.g. 100000000)", version)
				}
				opts.FromConfig = v
			}
			whole := f.Changed("file") || f.Changed("members")
			if whole && (f.Changed("add") || f.Changed("remove")) {
				return usageErrorf(use, "-file or -members cannot be combined with -add or -remove (a whole membership or a change, not both)")
			}
			if f.Changed("file") && f.Changed("members") {
				return usageErrorf(use, "-file and -members cannot be combined: give the membership once")
			}
			if f.Changed("add") {
				opts.Joining = &add
			}
			if f.Changed("remove") {
				opts.Leaving = &remove
			}
			if f.Changed("members") {
				opts.Members = &members
			}
			if f.Changed("file") {
				m, err := membersFile(file)
				if err != nil {
					return usageErrorf(use, "-file %s: %v", file, err)
				}
				opts.Members = &m
			}
			if opts.Members != nil && strings.TrimSpace(*opts.Members) == "" {
				return usageErrorf(use, "-members: the new membership is empty")
			}
			if opts.Joining == nil && opts.Leaving == nil && opts.Members == nil {
				return usageErrorf(use, "nothing to change: give -add/-remove, -members or -file")
			}
			return runWith(cmd, opts, runF, reconfigRun)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&opts.Stat, "stat", "s", false, "also print the new configuration's stat")
	f.StringVarP(&version, "version", "v", "", "only if the configuration's version (hex) is this one")
	f.StringVar(&file, "file", "", "a dynamic configuration file with the whole new membership")
	f.StringVar(&members, "members", "", "the whole new membership: server lines, comma separated")
	f.StringVar(&add, "add", "", "server lines to add, comma separated")
	f.StringVar(&remove, "remove", "", "server ids to remove, comma separated")
	return cmd
}

// membersFile reads a dynamic configuration file's membership: its server.N, group.N and weight.N
// lines (a version= line is left out: the server sets the version), one per line.
func membersFile(name string) (string, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return "", err
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimSpace(sc.Text())
		key, _, _ := strings.Cut(l, "=")
		key = strings.TrimSpace(key)
		switch {
		case l == "" || strings.HasPrefix(l, "#") || key == "version":
		case strings.HasPrefix(key, "server.") || strings.HasPrefix(key, "group.") || strings.HasPrefix(key, "weight."):
			lines = append(lines, l)
		default:
			return "", fmt.Errorf("line %d: %q is not a membership line (server.N=, group.N=, weight.N=)", n, key)
		}
	}
	if len(lines) == 0 {
		return "", fmt.Errorf("no server.N lines")
	}
	return strings.Join(lines, "\n"), nil
}

func reconfigRun(ctx context.Context, opts *ReconfigOptions) error {
	env := opts.Env
	path := zkclient.ConfigPath
	p, c, err := env.begin(ctx, path)
	if err != nil {
		return err
	}
	data, st, err := c.Reconfig(ctx, opts.Joining, opts.Leaving, opts.Members, opts.FromConfig)
	if err != nil {
		return writeError(path, err, "")
	}
	fmt.Fprintln(env.IO.ErrOut, "Committed new configuration:")
	if err := p.Node(env.IO.Out, render.Node{Path: path, Data: data, Stat: st, ShowStat: opts.Stat}); err != nil {
		return pathError(path, err)
	}
	return nil
}

// reconfigArgs rewrites reconfig's single-dash options after the reconfig command word (-members x →
// --members x); nothing else is touched, values included, nor anything after "--".
func reconfigArgs(args []string) []string {
	i := commandWord(args)
	if i < 0 || args[i] != "reconfig" {
		return args
	}
	out := append([]string(nil), args...)
	for j := i + 1; j < len(out); j++ {
		a := out[j]
		switch {
		case a == "--":
			return out
		case strings.HasPrefix(a, "--"):
			name, _, hasValue := strings.Cut(a[2:], "=")
			if (reconfigFlags[name] || name == "version") && !hasValue || globalValueFlags[a] {
				j++
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			name, _, hasValue := strings.Cut(a[1:], "=")
			switch {
			case reconfigFlags[name]:
				out[j] = "-" + a
				if !hasValue {
					j++
				}
			case a == "-v" || globalValueFlags[a]:
				j++
			}
		}
	}
	return out
}
