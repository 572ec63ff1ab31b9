// Package commands is zksh's command tree: one cobra command per zkCli command (and zksh's own), each
// with an Options struct filled by parsing and a run function that does the work, so that parsing and
// running are tested apart. It owns the CLI's settings (flags and their ZKSH_* twins, resolved once
// per command line in settings.go), printing through render, and the one mapping from errors to exit
// codes (errors.go). Every ZooKeeper operation goes through internal/zkclient; this package speaks
// user paths and never touches the wire.
//
// It is larger than our other packages because it holds some thirty commands; each group lives in a
// file of its own (create_command.go, ls_command.go, acl_command.go...), and none reaches into
// another's internals, so a new command is a new small file.
package commands
