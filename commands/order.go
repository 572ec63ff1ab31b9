package commands

import (
	"fmt"
	"sort"
	"strings"
)

// The order in which commands print the znodes of a subtree (walks themselves are
// zkclient.Walker's).

// refusedPaths returns the znodes a walk under root could not list in the order ls -R prints them.
func refusedPaths(refused []string, root string) []string {
	out := append([]string(nil), refused...)
	sortZkCli(out, root)
	return out
}

// count says "1 znode" or "3 znodes".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// sortDepthFirst orders paths as a depth-first walk visits them, children by name.
func sortDepthFirst(paths []string) {
	sort.Slice(paths, func(i, j int) bool { return pathLess(paths[i], paths[j]) })
}

// sortZkCli orders the paths of the subtree under root (root among them) as zkCli's ls -R prints
// them: root first, then, for each node in depth-first order (children by name), all of that node's
// children by name. So a path's place is its parent's depth-first place, then its own name:
// /r, /r/a, /r/b, /r/a/x, /r/a/y, /r/a/x/p, /r/b/z.
func sortZkCli(paths []string, root string) {
	type key struct{ path, parent, name string }
	keys := make([]key, len(paths))
	for i, p := range paths {
		keys[i].path = p
		if p != root {
			keys[i].parent, keys[i].name = splitPath(p)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := &keys[i], &keys[j]
		if a.path == root || b.path == root {
			return a.path == root && b.path != root
		}
		if a.parent != b.parent {
			return pathLess(a.parent, b.parent)
		}
		return a.name < b.name
	})
	for i := range keys {
		paths[i] = keys[i].path
	}
}

// splitPath splits a path other than / into its parent and its name.
func splitPath(p string) (parent, name string) {
	i := strings.LastIndexByte(p, '/')
	if i == 0 {
		return "/", p[1:]
	}
	return p[:i], p[i+1:]
}

// pathLess compares paths component by component, which is comparing them as strings in which "/"
// sorts before every other character.
func pathLess(a, b string) bool {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		if ca == '/' {
			return true
		}
		if cb == '/' {
			return false
		}
		return ca < cb
	}
	return len(a) < len(b)
}
