package commands

import (
	"io"

	"github.com/zksh/zksh/server"
)

// startLocalServer starts the bundled server on a free loopback port, keeping its data in dataDir (in
// memory when empty). It returns the address and a function that stops the server. Its warnings (a
// torn log tail dropped) go to errOut; its errors carry their exit code.
func startLocalServer(dataDir string, errOut io.Writer) (addr string, stop func(), err error) {
	s, err := server.New(server.Config{DataDir: dataDir, Logger: warnLogger(errOut)})
	if err != nil {
		return "", nil, serverStartError("--local", err)
	}
	if err := s.Start(); err != nil {
		_ = s.Close()
		return "", nil, serverStartError("--local", err)
	}
	return s.Addr(), func() { _ = s.Close() }, nil
}

// startLocal starts the bundled in-process server for --local and points the settings at it.
func (e *Env) startLocal() error {
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
