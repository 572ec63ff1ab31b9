package commands

import "io"

// startLocalServer starts the bundled server for --local; set by local_server.go once the server
// package is available. It returns the address and a function that stops the server.
// Warnings (a torn log tail dropped) go to errOut. Its errors carry their exit code.
var startLocalServer func(dataDir string, errOut io.Writer) (addr string, stop func(), err error)

// startLocal starts the bundled in-process server and points the settings at it.
func (e *Env) startLocal() error {
	if startLocalServer == nil {
		return usageErrorf("zksh", "--local: this build has no bundled server")
	}
	if e.localStarted {
		return nil
	}
	addr, stop, err := startLocalServer(e.Settings.DataDir, e.IO.ErrOut)
	if err != nil {
		return err
	}
	e.localStarted = true
	e.closers = append(e.closers, stop)
	e.Settings.Server = addr
	if e.line != nil {
		e.line.Server = addr
	}
	return nil
}
