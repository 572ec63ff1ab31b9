//go:build unix

package server

import (
	"os"
	"syscall"
)

// openFDs counts the process's open file descriptors (0 where /proc is missing).
func openFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		entries, err = os.ReadDir("/dev/fd")
		if err != nil {
			return 0
		}
	}
	return len(entries)
}

// maxFDs is the process's file descriptor limit.
func maxFDs() uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0
	}
	return uint64(lim.Cur)
}

// lockFile takes an exclusive lock on f so that two servers cannot share a data directory.
func lockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}
