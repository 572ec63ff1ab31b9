package commands

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/render"
)

// FourLetterOptions are 4lw's parsed inputs.
type FourLetterOptions struct {
	Env      *Env
	Word     string
	Members  []string // --members; nil: the connect string's
	AdminURL string   // --admin-url: ask the AdminServer instead
}

var (
	fourLetterWord = regexp.MustCompile(`^[a-z]{4}$`)
	adminName      = regexp.MustCompile(`^[a-z_]+$`)
)

// NewCmdFourLetter builds `4lw WORD [--members host:port,...] [--admin-url URL]`.
func NewCmdFourLetter(env *Env, runF func(context.Context, *FourLetterOptions) error) *cobra.Command {
	opts := &FourLetterOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "4lw WORD [--members host:port,...] [--admin-url URL]",
		Short: "Send a four-letter word (ruok, srvr, stat, mntr, conf, cons, ...) to the members",
		Long: `Send a four-letter word to every member of the connect string (or of --members) and print the
replies: as the servers sent them (plain), with mntr, conf and envi as key/value tables and cons
as one row per connection (table), or as JSON (-o json).

A word missing from a server's 4lw.commands.whitelist is refused (exit 1); the message says how to
allow it. --admin-url http://HOST:8080 asks Apache's AdminServer (admin.enableServer) for
/commands/WORD instead and prints its JSON; it also takes the AdminServer's long names
(e.g. voting_view). A member that does not answer exits 3.`,
		Example: "  zksh 4lw ruok\n  zksh 4lw mntr --members zk1:2181,zk2:2181\n  zksh -o table 4lw cons\n  zksh 4lw stat --admin-url http://127.0.0.1:8080",
		Args:    rangeArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Word = args[0]
			if opts.AdminURL == "" && !fourLetterWord.MatchString(opts.Word) {
				return usageErrorf(cmd.CommandPath(), "4lw: %q is not a four-letter word (four lowercase letters, e.g. ruok, srvr, mntr)", opts.Word)
			}
			if opts.AdminURL != "" {
				if !adminName.MatchString(opts.Word) {
					return usageErrorf(cmd.CommandPath(), "4lw: %q is not an AdminServer command name (lowercase letters and _)", opts.Word)
				}
				if !strings.HasPrefix(opts.AdminURL, "http://") && !strings.HasPrefix(opts.AdminURL, "https://") {
					return usageErrorf(cmd.CommandPath(), "4lw: --admin-url %q: want http://HOST:PORT", opts.AdminURL)
				}
				if cmd.Flags().Changed("members") {
					return usageErrorf(cmd.CommandPath(), "4lw: --members and --admin-url cannot be combined: the AdminServer answers for its own member")
				}
			}
			for _, m := range opts.Members {
				if strings.TrimSpace(m) == "" {
					return usageErrorf(cmd.CommandPath(), "4lw: --members: empty member in %q", strings.Join(opts.Members, ","))
				}
			}
			return runWith(cmd, opts, runF, fourLetterRun)
		},
	}
	cmd.ValidArgsFunction = cobra.FixedCompletions([]string{"conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "isro",
		"mntr", "ruok", "srst", "srvr", "stat", "wchc", "wchp", "wchs"}, cobra.ShellCompDirectiveNoFileComp)
	cmd.Flags().StringSliceVar(&opts.Members, "members", nil, "members to ask, host:port,... (default: the connect string's)")
	cmd.Flags().StringVar(&opts.AdminURL, "admin-url", "", "ask the AdminServer at this URL (http://HOST:8080) instead")
	return cmd
}

func fourLetterRun(ctx context.Context, opts *FourLetterOptions) error {
	env := opts.Env
	p, err := env.printer()
	if err != nil {
		return err
	}
	if opts.AdminURL != "" {
		raw, err := zkclient.AdminCommand(ctx, opts.AdminURL, opts.Word)
		var ae *zkclient.AdminError
		if errors.As(err, &ae) {
			return &ExitError{Code: ExitRefused, Err: err}
		}
		if err != nil {
			return err
		}
		r := render.FourLetterReply{Member: opts.AdminURL, Word: opts.Word, JSON: raw, Pairs: jsonPairs(raw)}
		return p.FourLetter(env.IO.Out, []render.FourLetterReply{r})
	}
	members := opts.Members
	if members == nil {
		if members, err = connectMembers(env.settings().Server); err != nil {
			return err
		}
	} else {
		for i, m := range members {
			members[i] = zkclient.DefaultPort(strings.TrimSpace(m))
		}
	}
	tlsConf, err := env.sessionTLS(env.settings())
	if err != nil {
		return err
	}
	type answer struct {
		reply render.FourLetterReply
		err   error
	}
	answers := forMembers(members, func(addr string) answer {
		text, err := zkclient.FourLetter(ctx, addr, opts.Word, tlsConf)
		r := render.FourLetterReply{Member: addr, Word: opts.Word, Text: text}
		if err != nil {
			r.Text = ""
			r.Err = err.Error()
			var nw *zkclient.NotWhitelistedError
			if !errors.As(err, &nw) {
				r.Err = "down: " + zkclient.Unreachable(err)
			}
			return answer{r, err}
		}
		switch opts.Word {
		case "mntr", "conf", "envi":
			r.Pairs = parsePairs(opts.Word, text)
		case "cons":
			r.Connections = parseCons(text)
		}
		return answer{r, nil}
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	// Every member's answer goes to the printer, those without a reply too (JSON names their error;
	// plain and table leave them out but still head each reply with its member).
	var replies []render.FourLetterReply
	var answered bool
	var refused, down []string
	for _, a := range answers {
		replies = append(replies, a.reply)
		var nw *zkclient.NotWhitelistedError
		switch {
		case a.err == nil:
			answered = true
		case errors.As(a.err, &nw):
			refused = append(refused, a.reply.Member)
		default:
			down = append(down, fmt.Sprintf("%s (%s)", a.reply.Member, zkclient.Unreachable(a.err)))
		}
	}
	if answered || len(refused)+len(down) == 0 {
		if err := p.FourLetter(env.IO.Out, replies); err != nil {
			return err
		}
	}
	switch {
	case down != nil:
		return &zkclient.UnavailableError{Msg: fmt.Sprintf("no reply to %s from %s", opts.Word, strings.Join(down, ", "))}
	case refused != nil:
		return &ExitError{Code: ExitRefused, Err: &whitelistRefusal{opts.Word, strings.Join(refused, ", ")}}
	}
	return nil
}
