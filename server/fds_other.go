//go:build !unix

package server

import "os"

func openFDs() int { return 0 }

func maxFDs() uint64 { return 0 }

func lockFile(*os.File) error { return nil }
