package commands

import "github.com/zksh/zksh/server"

// startLocalServer starts the bundled server on a free loopback port, keeping its data in dataDir (in
// memory when empty). It returns the address and a function that stops the server.
func startLocalServer(dataDir string) (addr string, stop func(), err error) {
	s, err := server.New(server.Config{DataDir: dataDir})
	if err != nil {
		return "", nil, err
	}
	if err := s.Start(); err != nil {
		_ = s.Close()
		return "", nil, err
	}
	return s.Addr(), func() { _ = s.Close() }, nil
}

// startLocal starts the bundled in-process server for --local and points the settings at it.
func (e *Env) startLocal() error {
	if e.localStarted {
		return nil
	}
	addr, stop, err := startLocalServer(e.Settings.DataDir)
	if err != nil {
		return &ExitError{Code: ExitUnavailable, Op: "--local", Err: err}
	}
	e.localStarted = true
	e.closers = append(e.closers, stop)
	e.Settings.Server = addr
	if e.line != nil {
		e.line.Server = addr
	}
	return nil
}
