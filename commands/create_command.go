package commands

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/spf13/cobra"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/internal/znodepath"
)

// CreateOptions are create's parsed inputs.
type CreateOptions struct {
	Env        *Env
	Path       string
	Data       []byte
	ACL        []zk.ACL // nil = world:anyone:cdrwa
	Sequential bool
	Ephemeral  bool
	Container  bool
	TTL        time.Duration // 0 = none
	Parents    bool          // -p: create the missing parents first (create_parents.go)
}

// NewCmdCreate builds `create [-p] [-s] [-e] [-c] [-t ttl] path [data] [acl]`.
func NewCmdCreate(env *Env, runF func(context.Context, *CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{Env: env}
	var ttl string
	cmd := &cobra.Command{
		Use:   "create [-p] [-s] [-e] [-c] [-t ttl] path [data] [acl]",
		Short: "Create a znode and print its path",
		Long: `Create a znode and print the created path (for -s, the name with its sequence number).
-s sequential, -e ephemeral (deleted when this session ends, so in one-shot mode right away),
-c container (deleted by the server once its last child is gone), -t TTL in milliseconds or with a
unit ("5s"; the server needs extendedTypesEnabled). -c cannot be combined with -s or -e, -t not with
-e or -c. -p creates the missing parents first (see README). data: text; @FILE reads a file, - reads stdin. acl: scheme:id:perms[,...], e.g.
world:anyone:cdrwa or digest:user:BASE64SHA1:cdrwa (default world:anyone:cdrwa).`,
		Example: "  zksh create /app\n  zksh create -s /queue/item- \"payload\"\n  zksh create /app/config @config.json",
		Args:    rangeArgs(1, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			use := cmd.CommandPath()
			if opts.Container && (opts.Sequential || opts.Ephemeral) {
				return usageErrorf(use, "create: -c cannot be combined with -s or -e (containers cannot be ephemeral or sequential)")
			}
			if ttl != "" {
				d, err := parseTTL(ttl)
				if err != nil {
					return usageErrorf(use, "create: -t %q: %v", ttl, err)
				}
				if opts.Ephemeral {
					return usageErrorf(use, "create: -t cannot be combined with -e (TTLs cannot be used with ephemeral znodes)")
				}
				if opts.Container {
					return usageErrorf(use, "create: -t cannot be combined with -c (TTLs cannot be used with container znodes)")
				}
				opts.TTL = d
			}
			p, err := resolveCreatePath(cmd, env, args[0], opts.Sequential)
			if err != nil {
				return err
			}
			opts.Path = p
			if len(args) > 1 {
				if opts.Data, err = env.readData(cmd.Name(), args[1]); err != nil {
					return err
				}
				if err := checkDataSize(cmd.Name(), opts.Data); err != nil {
					return err
				}
			}
			if len(args) > 2 {
				if opts.ACL, err = parseACL(args[2]); err != nil {
					return usageErrorf(use, "create: %v", err)
				}
			}
			return runWith(cmd, opts, runF, createRun)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&opts.Sequential, "sequential", "s", false, "append a monotonically increasing counter to the name")
	f.BoolVarP(&opts.Ephemeral, "ephemeral", "e", false, "delete the znode when the session ends")
	f.BoolVarP(&opts.Container, "container", "c", false, "container znode: deleted once its last child is deleted")
	f.StringVarP(&ttl, "ttl", "t", "", "delete the znode after it has been unmodified and childless this long (ms, or 5s, 1m...)")
	f.BoolVarP(&opts.Parents, "parents", "p", false, "create the missing parents first (empty, world:anyone:cdrwa); the znode itself must not exist")
	return pathArg(cmd)
}

// resolveCreatePath resolves a create path; a sequential node's path may end in "/" (the server
// appends the counter).
func resolveCreatePath(cmd *cobra.Command, env *Env, arg string, sequential bool) (string, error) {
	if sequential && strings.HasSuffix(arg, "/") && arg != "/" {
		p, err := resolveArg(cmd, env, strings.TrimSuffix(arg, "/"))
		if err != nil {
			return "", err
		}
		return p + "/", nil
	}
	return resolveArg(cmd, env, arg)
}

// maxTTL is the longest TTL ZooKeeper takes: it keeps the TTL in the low 40 bits of the znode's
// ephemeralOwner (Apache's EphemeralType.TTL.maxValue(), 0xFFFFFFFFFF ms, about 34 years).
const maxTTL = 0xFFFFFFFFFF * time.Millisecond

func parseTTL(s string) (time.Duration, error) {
	tooLong := fmt.Errorf("too long: at most %d ms (%v, about 34 years)", maxTTL.Milliseconds(), maxTTL)
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(s, "-") {
		switch {
		case err != nil || ms > maxTTL.Milliseconds():
			return 0, tooLong
		case ms <= 0:
			return 0, fmt.Errorf("must be positive")
		}
		return time.Duration(ms) * time.Millisecond, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("want milliseconds or a duration like 5s")
	}
	if d > maxTTL {
		return 0, tooLong
	}
	if d < time.Millisecond {
		return 0, fmt.Errorf("must be at least 1ms")
	}
	return d, nil
}

// parseACL reads zkCli's ACL syntax: scheme:id:perms[,scheme:id:perms...]. The id may itself contain
// colons (digest:user:hash:cdrwa); the permissions are after the last one.
func parseACL(s string) ([]zk.ACL, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("no ACL given (want scheme:id:perms[,...], e.g. world:anyone:cdrwa)")
	}
	var acl []zk.ACL
	for i, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			return nil, fmt.Errorf("ACL %q: entry %d is empty (stray comma?)", s, i+1)
		}
		first, last := strings.IndexByte(part, ':'), strings.LastIndexByte(part, ':')
		if first < 0 || first == last {
			return nil, fmt.Errorf("ACL %q does not have the form scheme:id:perms", part)
		}
		perms, err := parsePerms(part[last+1:])
		if err != nil {
			return nil, fmt.Errorf("ACL %q: %v", part, err)
		}
		e := zk.ACL{Scheme: part[:first], ID: part[first+1 : last], Perms: perms}
		if err := checkACLID(e); err != nil {
			return nil, fmt.Errorf("ACL %q: %v", part, err)
		}
		acl = append(acl, e)
	}
	return acl, nil
}

// aclError is writeError for writes that carry an ACL: it explains the server's "invalid ACL" for
// an ACL with the auth scheme, which names the session's credentials: without any, the server
// refuses it.
func aclError(path string, acl []zk.ACL, err error) error {
	if errors.Is(err, zk.ErrInvalidACL) {
		for _, e := range acl {
			if e.Scheme == "auth" {
				return &ExitError{Code: ExitRefused, Path: path,
					Err: fmt.Errorf("invalid ACL: auth:: grants the session's authenticated users, and this session has none (use --auth or addauth first)")}
			}
		}
	}
	return writeError(path, err, "")
}

// checkACLID checks the id of the schemes ZooKeeper ships, so that a typo does not lock a znode away
// (a digest id with a password instead of its hash is accepted by the server and matches nobody).
func checkACLID(e zk.ACL) error {
	switch e.Scheme {
	case "world":
		if e.ID != "anyone" {
			return fmt.Errorf("the world scheme's only id is anyone")
		}
	case "digest":
		user, hash, ok := strings.Cut(e.ID, ":")
		if !ok || user == "" || strings.Contains(hash, ":") {
			return fmt.Errorf("a digest id is user:BASE64(SHA1(user:password))")
		}
		if b, err := base64.StdEncoding.DecodeString(hash); err != nil || len(b) < 20 {
			return fmt.Errorf("%q is not a password hash: a digest id is user:BASE64(SHA1(user:password)) "+
				"(to grant the user you authenticated as, use auth::PERMS)", hash)
		}
	case "ip":
		if !validIPID(e.ID) {
			return fmt.Errorf("%q is not an IP address or ADDRESS/BITS", e.ID)
		}
	case "":
		return fmt.Errorf("no scheme (world, auth, digest, ip...)")
	}
	return nil
}

// validIPID reports whether id is an ip scheme id: an address, or ADDRESS/BITS with at most as many
// bits as the address has.
func validIPID(id string) bool {
	addr, bits, cidr := strings.Cut(id, "/")
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Zone() != "" {
		return false
	}
	if !cidr {
		return true
	}
	if bits == "" || strings.Trim(bits, "0123456789") != "" {
		return false
	}
	n, err := strconv.Atoi(bits)
	return err == nil && n <= a.BitLen()
}

func parsePerms(s string) (int32, error) {
	if s == "" {
		return 0, fmt.Errorf("no permissions (want letters of cdrwa; a znode nobody may read or change cannot be repaired without the super user)")
	}
	var perms int32
	for _, c := range s {
		switch c {
		case 'r':
			perms |= zk.PermRead
		case 'w':
			perms |= zk.PermWrite
		case 'c':
			perms |= zk.PermCreate
		case 'd':
			perms |= zk.PermDelete
		case 'a':
			perms |= zk.PermAdmin
		default:
			return 0, fmt.Errorf("unknown permission %q (want letters of cdrwa)", c)
		}
	}
	return perms, nil
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	env := opts.Env
	p, c, err := env.begin(ctx, opts.Path)
	if err != nil {
		return err
	}
	acl := opts.ACL
	if acl == nil {
		acl = zk.WorldACL(zk.PermAll)
	}
	var made []string // the parents create -p created
	if opts.Parents {
		if made, err = env.createParents(c, opts.Path); err != nil {
			return parentsLeft(err, made)
		}
	}
	created, err := createZnode(ctx, env, c, opts, acl)
	if err != nil {
		return parentsLeft(err, made)
	}
	env.wrote(znodepath.Parent(created))
	if err := p.Created(env.IO.Out, created); err != nil {
		return pathError(opts.Path, err)
	}
	return nil
}

// createZnode is create's request for the znode itself, its error described for the command.
func createZnode(ctx context.Context, env *Env, c *zkclient.Client, opts *CreateOptions, acl []zk.ACL) (string, error) {
	var created string
	var err error
	switch {
	case opts.Container:
		created, err = c.CreateContainer(opts.Path, opts.Data, zk.FlagContainer, acl)
	case opts.TTL > 0:
		flag := int32(zk.FlagTTL)
		if opts.Sequential {
			flag = zk.FlagPersistentSequentialWithTTL
		}
		created, err = c.CreateTTL(opts.Path, opts.Data, flag, acl, opts.TTL)
	default:
		var flag int32
		if opts.Ephemeral {
			flag |= zk.FlagEphemeral
		}
		if opts.Sequential {
			flag |= zk.FlagSequence
		}
		created, err = c.Create(opts.Path, opts.Data, flag, acl)
	}
	if err != nil {
		if errors.Is(err, zk.ErrInvalidACL) {
			return "", aclError(opts.Path, acl, err)
		}
		if opts.TTL > 0 && strings.HasPrefix(err.Error(), "unknown error: -6") {
			return "", &ExitError{Code: ExitRefused, Path: opts.Path, Err: fmt.Errorf(
				"not supported by the server (unimplemented): TTL znodes need extendedTypesEnabled=true in its zoo.cfg")}
		}
		var found string
		if zkclient.ReplyLost(err) && !opts.Sequential && !opts.Ephemeral {
			// (a sequential name is not known; an ephemeral one would be gone with a new session)
			found = env.recheckData(ctx, opts.Path, opts.Data, false)
		}
		return "", dataError(opts.Path, opts.Data, err, found)
	}
	return created, nil
}
