// Package zkclient is zksh's ZooKeeper client core: the one Client every command uses for every
// ZooKeeper operation, whichever transport serves it.
//
// It owns:
//   - the session lifecycle: parsing the connect string and its chroot, dialing, waiting for the
//     session (honouring the caller's context and the connect timeout, and failing at once when
//     every server refuses the connection), adding the credentials, noticing an expired session
//     (Config.OnExpired), and opening helper sessions to spread big walks;
//   - the chroot: a Client takes and returns paths as the user sees them, and maps them to and
//     from the server's paths itself (watch events included);
//   - the transports: go-zookeeper/zk for what it can send, and a small pipelined session of our own,
//     encoded with the jute codec, for the opcodes it cannot (multiRead, whoAmI,
//     getAllChildrenNumber); where a server lacks one, the Client does the work another way
//     (AllChildrenNumber walks the tree, Ephemerals walks it and checks the owners);
//   - the concurrency engine: ForEach, the tree Walker (many requests in flight, multiRead for big
//     levels, helper sessions), its data walk Walker.Read (every znode's stat and data, getData
//     pipelined in multiRead, streamed to the caller a batch at a time) and the bulk deleter
//     behind DeleteTree;
//   - the classification of ZooKeeper and connection errors: Classify sorts an error into a Kind
//     (refused, unavailable, interrupted), UnavailableError and OutcomeUnknownError are the typed
//     errors for "no session" and "a write whose outcome cannot be known", ReplyLost and SendFailed
//     tell the two ways a write's connection can be lost apart.
//
// It knows nothing of cobra, flags, output formats or exit codes: commands/ maps Kinds and typed
// errors to exit codes in one place.
//
// Its size (about 1,500 lines) is those five jobs, a file or two each; they share the session and
// nothing else.
package zkclient
