// Package zkclient is zksh's ZooKeeper client core: the one Client every command uses for every
// ZooKeeper operation, whichever transport serves it.
//
// It owns:
//   - the user's session, spoken natively (session.go, watch.go, native.go): the handshake,
//     pings, many requests in flight matched by xid, one-shot watches as channels and persistent
//     (recursive) watches as streams (AddWatch, RemoveWatches), reconnecting across the servers
//     of the connect string with the same session (credentials re-sent, watches re-armed with
//     SetWatches2), a new session after expiry (Config.OnExpired), closeSession on Close; every
//     connection is made by one function (Config.Dialer, for TLS), and the credentials are sent
//     in one place after the handshake (for SASL);
//   - the session lifecycle around it: parsing the connect string and its chroot, waiting for
//     the session (honouring the caller's context and the connect timeout, and failing at once
//     when every server refuses the connection), adding the credentials, and opening helper
//     sessions (go-zookeeper/zk) to spread big walks;
//   - the chroot: a Client takes and returns paths as the user sees them, and maps them to and
//     from the server's paths itself (watch events included);
//   - the opcodes go-zookeeper/zk cannot send, on the user's session (whoAmI, getEphemerals,
//     getAllChildrenNumber, addWatch, removeWatches, checkWatches) and multiRead on a pipelined
//     session of its own; where a server lacks one, the Client does the work another way
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
// Its size (nearly 4,000 lines, the native session a third of it) is those jobs, a file or three
// each (plus the admin side: four-letter words, the AdminServer, /zookeeper/config, TLS dialing);
// they share the session and nothing else. The native session is the first candidate for a
// package of its own once its API settles.
package zkclient
