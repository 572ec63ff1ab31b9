package server

import "strings"

// splitParent returns the parent path of p as Apache computes it (substring before the last
// slash, with "" meaning the root) and false if p has no slash or holds a NUL.
func splitParent(p string) (string, bool) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 || strings.IndexByte(p, 0) >= 0 {
		return "", false
	}
	if i == 0 {
		return "/", true
	}
	return p[:i], true
}

// isSpecialPath reports the system nodes that cannot be deleted.
func isSpecialPath(p string) bool {
	switch p {
	case "/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config":
		return true
	}
	return false
}
