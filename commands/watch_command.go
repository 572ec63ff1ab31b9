package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/spf13/cobra"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/render"
)

// AddWatchOptions are addWatch's parsed inputs.
type AddWatchOptions struct {
	Env  *Env
	Path string
	Mode zkclient.AddWatchMode
}

// NewCmdAddWatch builds `addWatch [-m PERSISTENT|PERSISTENT_RECURSIVE] path`, zkCli's.
func NewCmdAddWatch(env *Env, runF func(context.Context, *AddWatchOptions) error) *cobra.Command {
	opts := &AddWatchOptions{Env: env}
	var mode string
	cmd := &cobra.Command{
		Use:   "addWatch [-m PERSISTENT|PERSISTENT_RECURSIVE] path",
		Short: "Set a persistent watch: every change of a znode (or of its subtree) is an event",
		Long: `Set a persistent watch on a znode (ZooKeeper 3.6+), as zkCli's addWatch does. It stays set
after each event, until removewatches removes it or the session ends. PERSISTENT_RECURSIVE (the
default) watches every znode of the subtree (creation, data change, deletion; no child events),
PERSISTENT the znode itself (its child events too). In the shell the events print above the
prompt (see printwatches); as a one-shot command it prints one line per event until Ctrl-C or
--wait-timeout (exit 3).`,
		Example: "  addWatch /app\n  addWatch -m PERSISTENT /app/config",
		Args:    rangeArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch strings.ToUpper(mode) {
			case "PERSISTENT":
				opts.Mode = zkclient.Persistent
			case "PERSISTENT_RECURSIVE":
				opts.Mode = zkclient.PersistentRecursive
			default:
				return usageErrorf(cmd.CommandPath(), "-m %q: the mode is PERSISTENT or PERSISTENT_RECURSIVE", mode)
			}
			p, err := resolveArg(cmd, env, args[0])
			if err != nil {
				return err
			}
			opts.Path = p
			return runWith(cmd, opts, runF, addWatchRun)
		},
	}
	cmd.Flags().StringVarP(&mode, "mode", "m", "PERSISTENT_RECURSIVE", "PERSISTENT or PERSISTENT_RECURSIVE")
	_ = cmd.RegisterFlagCompletionFunc("mode", cobra.FixedCompletions([]string{"PERSISTENT", "PERSISTENT_RECURSIVE"}, cobra.ShellCompDirectiveNoFileComp))
	return pathArg(cmd)
}

func addWatchRun(ctx context.Context, opts *AddWatchOptions) error {
	env := opts.Env
	p, c, err := env.begin(ctx, opts.Path)
	if err != nil {
		return err
	}
	ch, err := c.AddWatch(ctx, opts.Path, opts.Mode)
	if err != nil {
		return pathError(opts.Path, err)
	}
	if env.watchesInBackground() {
		go func() {
			for ev := range ch {
				if errors.Is(ev.Err, zk.ErrClosing) {
					return // the user closed the session: nothing to say
				}
				env.notifyWatch(env.eventText(ev, p))
			}
		}()
		return nil
	}
	return streamEvents(ctx, env, p, opts.Path, ch, 0, false)
}

// streamEvents prints the events of ch, one line each (with their time when stamped), until count
// events (0 = no limit: exit 0), --wait-timeout (exit 3), Ctrl-C (130) or the end of the watch
// (the session ended: exit 3).
func streamEvents(ctx context.Context, env *Env, p render.Printer, path string, ch <-chan zk.Event, count int, stamped bool) error {
	var timeout <-chan time.Time
	if d := env.settings().WaitTimeout; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	n := 0
	interrupted := func() error {
		return &ExitError{Code: classify(ctx.Err()), Path: path,
			Err: fmt.Errorf("%s after %s", describe(ctx.Err()), events(n))}
	}
	for {
		select {
		case ev, ok := <-ch:
			if ctx.Err() != nil {
				return interrupted() // nothing printed after Ctrl-C
			}
			if !ok || ev.Err != nil || ev.Type == zk.EventNotWatching {
				err := zk.ErrClosing
				if ok {
					err = ev.Err
					if err == nil {
						err = zk.ErrSessionExpired
					}
				}
				return &ExitError{Code: ExitUnavailable, Path: path,
					Err: fmt.Errorf("%s after %s: the watch is gone", describe(err), events(n))}
			}
			e := render.EventFrom(ev, ev.Path)
			if stamped {
				e.Time = time.Now()
			}
			if err := p.Event(env.IO.Out, e); err != nil {
				return pathError(path, err)
			}
			n++
			if ev.Type == zkclient.EventPersistentWatchRemoved {
				return nil // removed (by this session, another command of the shell)
			}
			if count > 0 && n >= count {
				return nil
			}
		case <-timeout:
			return &ExitError{Code: ExitUnavailable, Path: path,
				Err: fmt.Errorf("--wait-timeout %v reached after %s", env.settings().WaitTimeout, events(n))}
		case <-ctx.Done():
			return interrupted()
		}
	}
}

func events(n int) string {
	if n == 1 {
		return "1 event"
	}
	return fmt.Sprintf("%d events", n)
}

// RemoveWatchesOptions are removewatches' parsed inputs.
type RemoveWatchesOptions struct {
	Env   *Env
	Path  string
	Type  zkclient.WatcherType
	Local bool
}

// NewCmdRemoveWatches builds `removewatches path [-c|-d|-a|-p|-r] [-l]`, zkCli's.
func NewCmdRemoveWatches(env *Env, runF func(context.Context, *RemoveWatchesOptions) error) *cobra.Command {
	opts := &RemoveWatchesOptions{Env: env}
	var c, d, a, pe, r bool
	cmd := &cobra.Command{
		Use:   "removewatches path [-c|-d|-a|-p|-r] [-l]",
		Short: "Remove the session's watches on a znode",
		Long: `Remove the watches this session set on a znode, as zkCli's removewatches does: -c child
watches, -d data watches, -a all of them (the default), -p persistent and -r persistent recursive
watches (those two need ZooKeeper 3.9; on older servers use -a). -l removes them here only,
without asking the server (when it cannot be reached). A session with no such watch on the
znode is an error (exit 1).`,
		Example: "  removewatches /app\n  removewatches /app -d -l",
		Args:    rangeArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Type = zkclient.WatchAny
			n := 0
			for _, f := range []struct {
				set bool
				typ zkclient.WatcherType
			}{{c, zkclient.WatchChildren}, {d, zkclient.WatchData}, {a, zkclient.WatchAny},
				{pe, zkclient.WatchPersistent}, {r, zkclient.WatchPersistentRecursive}} {
				if f.set {
					opts.Type = f.typ
					n++
				}
			}
			if n > 1 {
				return usageErrorf(cmd.CommandPath(), "-c, -d, -a, -p and -r cannot be combined: give one kind of watch")
			}
			p, err := resolveArg(cmd, env, args[0])
			if err != nil {
				return err
			}
			opts.Path = p
			return runWith(cmd, opts, runF, removeWatchesRun)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&c, "child", "c", false, "child watches")
	f.BoolVarP(&d, "data", "d", false, "data watches")
	f.BoolVarP(&a, "any", "a", false, "every watch (the default)")
	f.BoolVarP(&pe, "persistent", "p", false, "persistent watches (ZooKeeper 3.9+)")
	f.BoolVarP(&r, "recursive", "r", false, "persistent recursive watches (ZooKeeper 3.9+)")
	f.BoolVarP(&opts.Local, "local", "l", false, "remove them here only, without asking the server")
	return pathArg(cmd)
}

func removeWatchesRun(ctx context.Context, opts *RemoveWatchesOptions) error {
	c, err := opts.Env.Client(ctx)
	if err != nil && !(opts.Local && opts.Env.cachedSession() != nil) {
		return pathError(opts.Path, err)
	}
	if c == nil {
		c = opts.Env.cachedSession()
	}
	err = c.RemoveWatches(ctx, opts.Path, opts.Type, opts.Local)
	if opts.Type >= zkclient.WatchPersistent && errors.Is(err, zkclient.ErrUnsupported) {
		flag := map[zkclient.WatcherType]string{zkclient.WatchPersistent: "-p", zkclient.WatchPersistentRecursive: "-r"}[opts.Type]
		return &ExitError{Code: ExitRefused, Path: opts.Path, Err: fmt.Errorf(
			"%s needs ZooKeeper 3.9 or later: this server cannot remove persistent watches by kind (nothing was removed; -a removes every watch of the znode)", flag)}
	}
	return pathError(opts.Path, err)
}

// cachedSession is the session the shell has, connected or not (nil when none was opened).
func (e *Env) cachedSession() *zkclient.Client {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.client
}

// PrintWatchesOptions are printwatches' parsed inputs.
type PrintWatchesOptions struct {
	Env   *Env
	State string // "on", "off" or "" (print the setting)
}

// NewCmdPrintWatches builds `printwatches [on|off]`, zkCli's.
func NewCmdPrintWatches(env *Env, runF func(context.Context, *PrintWatchesOptions) error) *cobra.Command {
	opts := &PrintWatchesOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "printwatches [on|off]",
		Short: "Turn the shell's printing of watch events on or off",
		Long: `Turn the printing of watch events above the shell's prompt on or off (the watches stay
set; their events are not shown while it is off), as zkCli's printwatches does. Without an
argument it prints the setting ("printwatches is on").`,
		Example:   "  printwatches off\n  printwatches",
		Args:      rangeArgs(0, 1),
		ValidArgs: []string{"on", "off"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if args[0] != "on" && args[0] != "off" {
					return usageErrorf(cmd.CommandPath(), "%q: want on or off", args[0])
				}
				if !env.InShell {
					return usageErrorf(cmd.CommandPath(), "printwatches %s changes what the shell prints: run it in the shell", args[0])
				}
				opts.State = args[0]
			}
			return runWith(cmd, opts, runF, printWatchesRun)
		},
	}
	return cmd
}

func printWatchesRun(_ context.Context, opts *PrintWatchesOptions) error {
	env := opts.Env
	switch opts.State {
	case "on":
		env.hideWatches.Store(false)
		return nil
	case "off":
		env.hideWatches.Store(true)
		return nil
	}
	p, err := env.printer()
	if err != nil {
		return err
	}
	state := "on"
	if env.hideWatches.Load() {
		state = "off"
	}
	return p.Message(env.IO.Out, "printwatches", "printwatches is "+state)
}

// WatchOptions are watch's parsed inputs.
type WatchOptions struct {
	Env       *Env
	Paths     []string
	Recursive bool
	Count     int
}

// NewCmdWatch builds `watch [-R] [--count N] path...`.
func NewCmdWatch(env *Env, runF func(context.Context, *WatchOptions) error) *cobra.Command {
	opts := &WatchOptions{Env: env}
	cmd := &cobra.Command{
		Use:   "watch [-R] [--count N] path...",
		Short: "Stream the changes of znodes, one line per event",
		Long: `Print one line per change of the znodes (time, event type, path; -o json: one JSON object
per line with time, event, state and path) until Ctrl-C (exit 130), --count events (exit 0),
--wait-timeout (exit 3) or the loss of the session (exit 3). -R watches each subtree (creation,
data change and deletion of every znode under the path). It uses persistent watches (ZooKeeper
3.6+); on older servers it sets one-shot watches again after each event, and changes made
between an event and that re-arm can come as one event (it says so on stderr); -R then needs
ZooKeeper 3.6.`,
		Example: "  zksh watch /app/config\n  zksh watch -R --count 10 -o json /app",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf(cmd.CommandPath(), "watch: wants at least one path")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Count < 0 {
				return usageErrorf(cmd.CommandPath(), "--count %d: must not be negative (0 = no limit)", opts.Count)
			}
			opts.Paths = nil
			for _, a := range args {
				p, err := resolveArg(cmd, env, a)
				if err != nil {
					return err
				}
				opts.Paths = append(opts.Paths, p)
			}
			return runWith(cmd, opts, runF, watchRun)
		},
	}
	cmd.Flags().BoolVarP(&opts.Recursive, "recursive", "R", false, "watch each subtree")
	cmd.Flags().IntVar(&opts.Count, "count", 0, "stop after this many events (exit 0); 0 = no limit")
	return pathArg(cmd)
}

func watchRun(ctx context.Context, opts *WatchOptions) error {
	env := opts.Env
	first := opts.Paths[0]
	p, c, err := env.begin(ctx, first)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	mode, typ := zkclient.Persistent, zkclient.WatchPersistent
	if opts.Recursive {
		mode, typ = zkclient.PersistentRecursive, zkclient.WatchPersistentRecursive
	}
	var chans []<-chan zk.Event
	var set []string
	defer func() {
		// Stop the persistent watches this command set (a shell's session lives on); where the
		// server cannot remove them by kind, their events are read and dropped until the session ends.
		for i, path := range set {
			if env.watchesInBackground() {
				rctx, rcancel := context.WithTimeout(context.Background(), 2*time.Second)
				_ = c.RemoveWatches(rctx, path, typ, false)
				rcancel()
			}
			go func(ch <-chan zk.Event) {
				for range ch {
				}
			}(chans[i])
		}
	}()
	fallback := false
	for _, path := range opts.Paths {
		ch, err := c.AddWatch(ctx, path, mode)
		if errors.Is(err, zkclient.ErrUnsupported) && len(set) == 0 {
			fallback = true
			break
		}
		if err != nil {
			return pathError(path, err)
		}
		chans = append(chans, ch)
		set = append(set, path)
	}
	out := make(chan zk.Event)
	var wg sync.WaitGroup
	if fallback {
		if opts.Recursive {
			return &ExitError{Code: ExitRefused, Path: first,
				Err: errors.New("-R needs persistent recursive watches (ZooKeeper 3.6 or later); this server has none")}
		}
		fmt.Fprintln(env.IO.ErrOut, "zksh: watch: the server has no persistent watches (before ZooKeeper 3.6): "+
			"setting one-shot watches again after each event; changes between an event and the re-arm can come as one event")
		for _, path := range opts.Paths {
			wg.Add(1)
			go func(path string) {
				defer wg.Done()
				rearm(ctx, c, path, out)
			}(path)
		}
	} else {
		for _, ch := range chans {
			wg.Add(1)
			go func(ch <-chan zk.Event) {
				defer wg.Done()
				for {
					select {
					case ev, ok := <-ch:
						if !ok {
							return
						}
						select {
						case out <- ev:
						case <-ctx.Done():
							return
						}
					case <-ctx.Done():
						return
					}
				}
			}(ch)
		}
	}
	path := first
	if len(opts.Paths) > 1 {
		path = strings.Join(opts.Paths, " ")
	}
	err = streamEvents(ctx, env, p, path, out, opts.Count, true)
	cancel()
	wg.Wait()
	return err
}

// rearm passes on the changes of path with one-shot watches (a data/existence watch, and a child
// watch while the znode exists), setting each again after it fired.
func rearm(ctx context.Context, c *zkclient.Client, path string, out chan<- zk.Event) {
	var dch, cch <-chan zk.Event
	send := func(ev zk.Event) bool {
		select {
		case out <- ev:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		if dch == nil {
			_, _, ch, err := c.ExistsW(path)
			if err != nil {
				send(zk.Event{Type: zk.EventNotWatching, Path: path, Err: err})
				return
			}
			dch = ch
		}
		if cch == nil {
			_, _, ch, err := c.ChildrenW(path)
			switch {
			case err == nil:
				cch = ch
			case !errors.Is(err, zk.ErrNoNode):
				send(zk.Event{Type: zk.EventNotWatching, Path: path, Err: err})
				return
			}
		}
		select {
		case ev, ok := <-dch:
			if !ok {
				return
			}
			dch = nil
			if !send(ev) {
				return
			}
		case ev, ok := <-cch:
			if !ok {
				return
			}
			cch = nil
			if ev.Type == zk.EventNodeDeleted {
				continue // the data watch reports the deletion
			}
			if !send(ev) {
				return
			}
		case <-ctx.Done():
			return
		}
	}
}
