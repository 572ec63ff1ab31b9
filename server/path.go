package server

import "strings"

// validPath reports whether path passes Apache's PathUtils.validatePath.
func validPath(path string) bool {
	if path == "" || path[0] != '/' {
		return false
	}
	if len(path) == 1 {
		return true
	}
	if path[len(path)-1] == '/' {
		return false
	}
	chars := make([]rune, 0, 64) // on the stack for the usual path
	for _, r := range path {
		if r >= 0x10000 { // a surrogate pair in Java: invalid
			return false
		}
		chars = append(chars, r)
	}
	for i := 1; i < len(chars); i++ {
		c, last := chars[i], chars[i-1]
		switch {
		case c == 0:
			return false
		case c == '/' && last == '/':
			return false
		case c == '.' && last == '.':
			if i >= 2 && chars[i-2] == '/' && (i+1 == len(chars) || chars[i+1] == '/') {
				return false
			}
		case c == '.':
			if last == '/' && (i+1 == len(chars) || chars[i+1] == '/') {
				return false
			}
		case c > 0 && c <= 0x1f, c >= 0x7f && c <= 0x9f, c >= 0xd800 && c <= 0xf8ff, c >= 0xfff0 && c <= 0xffff:
			return false
		}
	}
	return true
}

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
