package completion

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zksh/zksh/internal/cmdline"
)

// fakeTree is a ChildSource over an in-memory list of paths.
type fakeTree struct {
	mu    sync.Mutex
	nodes map[string][]string // parent → child names
	calls map[string]int
	delay time.Duration
	fail  error
}

func newFakeTree(paths ...string) *fakeTree {
	t := &fakeTree{nodes: map[string][]string{}, calls: map[string]int{}}
	for _, p := range paths {
		t.add(p)
	}
	return t
}

func (t *fakeTree) add(p string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := strings.LastIndexByte(p, '/')
	parent := p[:i]
	if parent == "" {
		parent = "/"
	}
	t.nodes[parent] = append(t.nodes[parent], p[i+1:])
	if _, ok := t.nodes[p]; !ok {
		t.nodes[p] = nil
	}
}

func (t *fakeTree) Children(ctx context.Context, p string) ([]Child, error) {
	// The answer is the tree as it was when the request was sent.
	t.mu.Lock()
	t.calls[p]++
	delay, fail := t.delay, t.fail
	names, ok := t.nodes[p]
	var out []Child
	for _, n := range names {
		child := strings.TrimSuffix(p, "/") + "/" + n
		out = append(out, Child{Name: n, HasChildren: len(t.nodes[child]) > 0})
	}
	t.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if fail != nil {
		return nil, fail
	}
	if !ok {
		return nil, errors.New("node does not exist")
	}
	return out, nil
}

func (t *fakeTree) callCount(p string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.calls[p]
}

var testSpec = Spec{Commands: []Command{
	{Name: "get", Description: "print a znode's data", PathArgs: []int{0}, Flags: []Flag{
		{Long: "stat", Short: "s", Description: "also print the stat"},
		{Long: "watch", Short: "w", Description: "watch for changes"},
		{Long: "output", Short: "o", Description: "output format", TakesValue: true, Values: []Suggestion{
			{Text: "table"}, {Text: "plain"}, {Text: "json", Description: "for machines"}}},
	}},
	{Name: "set", Description: "change a znode's data", PathArgs: []int{0}, Flags: []Flag{
		{Long: "version", Short: "v", Description: "expected version", TakesValue: true},
	}},
	{Name: "create", Description: "create a znode", PathArgs: []int{0}, Flags: []Flag{
		{Short: "s", Description: "sequential"},
		{Short: "t", Description: "ttl", TakesValue: true},
	}},
	{Name: "cd", Description: "change the current znode", PathArgs: []int{0}},
	{Name: "connect", Description: "connect to other servers"},
	{Name: "deleteall", Aliases: []string{"rmr"}, Description: "delete a subtree", PathArgs: []int{0}},
	{Name: "help", Description: "help about a command", CommandArgs: true},
}}

// newTestCompleter returns a completer whose cache updates are counted on the returned channel.
func newTestCompleter(t *testing.T, src ChildSource) (*Completer, chan string) {
	t.Helper()
	updates := make(chan string, 100)
	cache := NewCache(src, CacheOptions{OnUpdate: func(p string) { updates <- p }, TTL: time.Hour})
	t.Cleanup(cache.Close)
	return &Completer{Spec: testSpec, Cache: cache}, updates
}

// prime loads parents into the cache and waits for the fetches.
func prime(t *testing.T, c *Completer, updates chan string, parents ...string) {
	t.Helper()
	for _, p := range parents {
		c.Cache.Lookup(p)
	}
	waitIdle(t, c.Cache)
	for len(updates) > 0 {
		<-updates
	}
}

// waitIdle waits until no fetch is in flight.
func waitIdle(t *testing.T, c *Cache) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for c.Pending() {
		if time.Now().After(deadline) {
			t.Fatal("fetches still pending after 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

func texts(s []Suggestion) []string {
	out := []string{}
	for _, x := range s {
		out = append(out, x.Text)
	}
	return out
}

func TestComplete(t *testing.T) {
	tree := newFakeTree("/app", "/app/config", "/app/locks", "/app/locks/l1", "/apple", "/zookeeper",
		"/zookeeper/quota", "/b", "/app/config2", "/odd/a b", "/odd/it's", "/odd/x;y")
	c, updates := newTestCompleter(t, tree)
	prime(t, c, updates, "/", "/app", "/app/locks", "/zookeeper", "/odd")

	tests := []struct {
		line      string
		cwd       string
		want      []string
		wantStart int
	}{
		{line: "", cwd: "/", want: []string{"cd", "connect", "create", "deleteall", "get", "help", "set"}},
		{line: "c", cwd: "/", want: []string{"cd", "connect", "create"}},
		{line: "rm", cwd: "/", want: []string{"rmr"}},
		{line: "nosuch /", cwd: "/", want: []string{}, wantStart: 7},
		{line: "get /ap", cwd: "/", want: []string{"/app/", "/apple"}, wantStart: 4},
		{line: "get /app/", cwd: "/", want: []string{"/app/config", "/app/config2", "/app/locks/"}, wantStart: 4},
		{line: "get /app/lo", cwd: "/", want: []string{"/app/locks/"}, wantStart: 4},
		{line: "get /app/locks/", cwd: "/", want: []string{"/app/locks/l1"}, wantStart: 4},
		{line: "get ", cwd: "/", want: []string{"/app/", "/apple", "/b", "/zookeeper/"}, wantStart: 4},
		{line: "get /x", cwd: "/", want: []string{}, wantStart: 4},
		// relative to the current znode
		{line: "get ", cwd: "/app", want: []string{"config", "config2", "locks/"}, wantStart: 4},
		{line: "get con", cwd: "/app", want: []string{"config", "config2"}, wantStart: 4},
		{line: "get locks/", cwd: "/app", want: []string{"locks/l1"}, wantStart: 4},
		{line: "cd ../zoo", cwd: "/app", want: []string{"../zookeeper/"}, wantStart: 3},
		{line: "cd ..", cwd: "/app/locks", want: []string{"../"}, wantStart: 3},
		{line: "cd ../..", cwd: "/app/locks", want: []string{"../../"}, wantStart: 3},
		{line: "cd ../../", cwd: "/app/locks", want: []string{"../../app/", "../../apple", "../../b", "../../zookeeper/"}, wantStart: 3},
		{line: "cd ../app/lo", cwd: "/zookeeper", want: []string{"../app/locks/"}, wantStart: 3},
		{line: "cd ../../app/lo", cwd: "/app/locks", want: []string{"../../app/locks/"}, wantStart: 3},
		// flags and their values
		{line: "get -", cwd: "/", want: []string{"-s", "-w", "-o"}, wantStart: 4},
		{line: "get -o", cwd: "/", want: []string{"-o"}, wantStart: 4},
		{line: "get -o ", cwd: "/", want: []string{"table", "plain", "json"}, wantStart: 7},
		{line: "get -o j", cwd: "/", want: []string{"json"}, wantStart: 7},
		{line: "get --output p", cwd: "/", want: []string{"plain"}, wantStart: 13},
		{line: "get --output=", cwd: "/", want: []string{"--output=table", "--output=plain", "--output=json"}, wantStart: 4},
		{line: "get --output=t", cwd: "/", want: []string{"--output=table"}, wantStart: 4},
		{line: "get -o json /ap", cwd: "/", want: []string{"/app/", "/apple"}, wantStart: 12},
		{line: "get -s --watch=", cwd: "/", want: []string{}, wantStart: 7},
		{line: "get --w", cwd: "/", want: []string{"--watch"}, wantStart: 4},
		{line: "get -s /ap", cwd: "/", want: []string{"/app/", "/apple"}, wantStart: 7},
		{line: "set -v ", cwd: "/", want: []string{}, wantStart: 7},
		{line: "set -v 3 /b", cwd: "/", want: []string{"/b"}, wantStart: 9},
		{line: "create -t 100 /ap", cwd: "/", want: []string{"/app/", "/apple"}, wantStart: 14},
		// only path operands complete as paths
		{line: "set /b ", cwd: "/", want: []string{}, wantStart: 7},
		{line: "set /b /a", cwd: "/", want: []string{}, wantStart: 7},
		{line: "connect /", cwd: "/", want: []string{}, wantStart: 8},
		{line: "help ge", cwd: "/", want: []string{"get"}, wantStart: 5},
		// a line is one command, split as zkCli splits it: ';' is an ordinary character
		{line: "cd /app; get co", cwd: "/app", want: []string{}, wantStart: 13},
		{line: "pwd; c", cwd: "/", want: []string{}, wantStart: 5},
		{line: "get /app;", cwd: "/", want: []string{}, wantStart: 4},
		{line: `set /b "x;y" /a`, cwd: "/", want: []string{}, wantStart: 13},
		{line: `set /b x\ /a`, cwd: "/", want: []string{}, wantStart: 10},
		// inside quotes: the quote stays open after a parent, is closed after a complete name
		{line: `get "/ap`, cwd: "/", want: []string{`"/app/`, `"/apple"`}, wantStart: 4},
		{line: `get '/app/lo`, cwd: "/", want: []string{`'/app/locks/`}, wantStart: 4},
		{line: `get "/app/locks/`, cwd: "/", want: []string{`"/app/locks/l1"`}, wantStart: 4},
		{line: `get "/app/config"`, cwd: "/", want: []string{`"/app/config"`, `"/app/config2"`}, wantStart: 4},
		{line: `get /app/"co`, cwd: "/", want: []string{}, wantStart: 4}, // a quote inside a word is a character
		{line: `get "con`, cwd: "/app", want: []string{`"config"`, `"config2"`}, wantStart: 4},
		{line: `set "/b" "/a`, cwd: "/", want: []string{}, wantStart: 9},
		{line: `get -o "j`, cwd: "/", want: []string{`"json"`}, wantStart: 7},
		{line: `"ge`, cwd: "/", want: []string{}, wantStart: 0},
		// names with a blank are quoted (with the quote the user opened, unless the name holds it)
		{line: "get /odd/", cwd: "/", want: []string{`"/odd/a b"`, `/odd/it's`, `/odd/x;y`}, wantStart: 4},
		{line: `get "/odd/a `, cwd: "/", want: []string{`"/odd/a b"`}, wantStart: 4},
		{line: `get '/odd/`, cwd: "/", want: []string{`'/odd/a b'`, `"/odd/it's"`, `'/odd/x;y'`}, wantStart: 4},
		{line: `get "/odd/i`, cwd: "/", want: []string{`"/odd/it's"`}, wantStart: 4},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q in %s", tt.line, tt.cwd), func(t *testing.T) {
			res := c.Complete(tt.line, len([]rune(tt.line)), tt.cwd)
			if got := texts(res.Suggestions); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("suggestions = %q, want %q", got, tt.want)
			}
			if res.Start != tt.wantStart || res.End != len([]rune(tt.line)) {
				t.Errorf("range = [%d,%d), want [%d,%d)", res.Start, res.End, tt.wantStart, len([]rune(tt.line)))
			}
		})
	}
}

func TestCompleteDescriptions(t *testing.T) {
	c, _ := newTestCompleter(t, newFakeTree())
	res := c.Complete("ge", 2, "/")
	if len(res.Suggestions) != 1 || res.Suggestions[0].Description != "print a znode's data" {
		t.Fatalf("got %+v", res.Suggestions)
	}
	res = c.Complete("get -w", 6, "/")
	if len(res.Suggestions) != 1 || res.Suggestions[0].Description != "--watch: watch for changes" {
		t.Fatalf("got %+v", res.Suggestions)
	}
}

func TestCompleteCursorInsideLine(t *testing.T) {
	tree := newFakeTree("/app", "/apple", "/b")
	c, updates := newTestCompleter(t, tree)
	prime(t, c, updates, "/")
	// cursor after "get /ap" in "get /ap -s"
	res := c.Complete("get /ap -s", 7, "/")
	if got := texts(res.Suggestions); !reflect.DeepEqual(got, []string{"/app", "/apple"}) {
		t.Fatalf("got %q", got)
	}
	if res.Start != 4 || res.End != 7 {
		t.Fatalf("range [%d,%d)", res.Start, res.End)
	}
}

func TestCompleteNeverBlocks(t *testing.T) {
	tree := newFakeTree("/app", "/apple")
	tree.delay = time.Second
	c, updates := newTestCompleter(t, tree)
	start := time.Now()
	res := c.Complete("get /ap", 7, "/")
	// Well under the fetch's delay, with room for a loaded machine under -race.
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("Complete blocked for %v", d)
	}
	if len(res.Suggestions) != 0 {
		t.Fatalf("suggestions before the fetch landed: %q", texts(res.Suggestions))
	}
	// A second keystroke while the fetch is in flight does not start another one.
	c.Complete("get /app", 8, "/")
	if !c.Cache.Pending() {
		t.Fatal("no fetch pending")
	}
	select {
	case p := <-updates:
		if p != "/" {
			t.Fatalf("update for %q", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("fetch never landed")
	}
	if n := tree.callCount("/"); n != 1 {
		t.Fatalf("%d fetches of /, want 1", n)
	}
	res = c.Complete("get /ap", 7, "/")
	if got := texts(res.Suggestions); !reflect.DeepEqual(got, []string{"/app", "/apple"}) {
		t.Fatalf("after the fetch: %q", got)
	}
}

func TestCacheInvalidate(t *testing.T) {
	tree := newFakeTree("/app")
	c, updates := newTestCompleter(t, tree)
	prime(t, c, updates, "/")
	tree.add("/app2")
	if got := texts(c.Complete("get /ap", 7, "/").Suggestions); !reflect.DeepEqual(got, []string{"/app"}) {
		t.Fatalf("before invalidation: %q", got)
	}
	c.Cache.Invalidate("/")
	select {
	case <-updates:
	case <-time.After(5 * time.Second):
		t.Fatal("no refresh after invalidation")
	}
	if got := texts(c.Complete("get /ap", 7, "/").Suggestions); !reflect.DeepEqual(got, []string{"/app", "/app2"}) {
		t.Fatalf("after invalidation: %q", got)
	}
	// Invalidating an unknown parent fetches nothing.
	c.Cache.Invalidate("/nosuch")
	if n := tree.callCount("/nosuch"); n != 0 {
		t.Fatalf("fetched an unknown parent %d times", n)
	}
}

func TestCacheInvalidateDuringFetch(t *testing.T) {
	tree := newFakeTree("/a")
	tree.delay = 100 * time.Millisecond
	c, updates := newTestCompleter(t, tree)
	c.Cache.Lookup("/")
	for tree.callCount("/") == 0 {
		time.Sleep(time.Millisecond)
	}
	tree.add("/b") // lands after the fetch started
	c.Cache.Invalidate("/")
	deadline := time.After(5 * time.Second)
	for {
		select {
		case <-updates:
		case <-deadline:
			t.Fatal("refetch after invalidation never landed")
		}
		if got, _ := c.Cache.Lookup("/"); len(got) == 2 {
			break
		}
	}
	if n := tree.callCount("/"); n < 2 {
		t.Fatalf("%d fetches, want a second one after the invalidation", n)
	}
}

func TestCacheTTLRefresh(t *testing.T) {
	tree := newFakeTree("/a")
	updates := make(chan string, 10)
	cache := NewCache(tree, CacheOptions{TTL: time.Minute, OnUpdate: func(p string) { updates <- p }})
	defer cache.Close()
	now := time.Now()
	cache.now = func() time.Time { return now }
	cache.Lookup("/")
	<-updates
	tree.add("/b")
	if got, _ := cache.Lookup("/"); len(got) != 1 {
		t.Fatalf("fresh entry refetched: %v", got)
	}
	now = now.Add(2 * time.Minute)
	got, ok := cache.Lookup("/") // stale: served, refreshed in the background
	if !ok || len(got) != 1 {
		t.Fatalf("stale entry not served: %v %v", got, ok)
	}
	select {
	case <-updates:
	case <-time.After(5 * time.Second):
		t.Fatal("no background refresh")
	}
	if got, _ := cache.Lookup("/"); len(got) != 2 {
		t.Fatalf("after refresh: %v", got)
	}
}

func TestCacheErrorsSuggestNothing(t *testing.T) {
	tree := newFakeTree("/a")
	tree.fail = errors.New("not connected")
	c, updates := newTestCompleter(t, tree)
	prime(t, c, updates, "/")
	if got := c.Complete("get /", 5, "/").Suggestions; len(got) != 0 {
		t.Fatalf("got %v", got)
	}
}

func TestCacheFetchDeadline(t *testing.T) {
	tree := newFakeTree("/a")
	tree.delay = time.Hour
	updates := make(chan string, 10)
	cache := NewCache(tree, CacheOptions{FetchTimeout: 50 * time.Millisecond, OnUpdate: func(p string) { updates <- p }})
	defer cache.Close()
	start := time.Now()
	cache.Lookup("/")
	waitIdle(t, cache)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("fetch deadline not honoured: %v", d)
	}
	select {
	case p := <-updates:
		t.Fatalf("update for %q although nothing changed", p)
	default:
	}
}

func TestCacheEviction(t *testing.T) {
	tree := newFakeTree("/a", "/b", "/c")
	updates := make(chan string, 10)
	cache := NewCache(tree, CacheOptions{MaxEntries: 2, OnUpdate: func(p string) { updates <- p }})
	defer cache.Close()
	for _, p := range []string{"/a", "/b", "/c"} {
		cache.Lookup(p)
		waitIdle(t, cache)
	}
	cache.mu.Lock()
	n := len(cache.entries)
	_, hasA := cache.entries["/a"]
	cache.mu.Unlock()
	if n != 2 || hasA {
		t.Fatalf("%d entries (has /a: %v), want 2 without the oldest", n, hasA)
	}
}

func TestPathOperands(t *testing.T) {
	tests := []struct {
		words []string
		want  []int
	}{
		{[]string{"get", "-s", "/a/"}, []int{2}},
		{[]string{"set", "-v", "3", "/a/", "data/"}, []int{3}},
		{[]string{"set", "/a/", "-v", "3", "data/"}, []int{1}},
		{[]string{"connect", "h:2181/"}, nil},
		{[]string{"nosuch", "/a/"}, nil},
		{nil, nil},
	}
	for _, tt := range tests {
		if got := testSpec.PathOperands(tt.words); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("PathOperands(%q) = %v, want %v", tt.words, got, tt.want)
		}
	}
}

func TestCompleteFlagValueDescriptions(t *testing.T) {
	c, _ := newTestCompleter(t, newFakeTree())
	res := c.Complete("get -o js", 9, "/")
	if len(res.Suggestions) != 1 || res.Suggestions[0] != (Suggestion{Text: "json", Description: "for machines"}) {
		t.Fatalf("got %+v", res.Suggestions)
	}
}

// countingTree lists parents with more than limit children by name only (Unknown), as the shell's
// source does, and counts grandchildren on request.
type countingTree struct {
	*fakeTree
	limit int
	mu    sync.Mutex
	asked []string // names HasChildren was asked about
}

func (t *countingTree) Children(ctx context.Context, p string) ([]Child, error) {
	out, err := t.fakeTree.Children(ctx, p)
	if len(out) > t.limit {
		for i := range out {
			out[i].HasChildren, out[i].Unknown = false, true
		}
	}
	return out, err
}

func (t *countingTree) HasChildren(_ context.Context, parent string, names []string) (map[string]bool, error) {
	t.mu.Lock()
	t.asked = append(t.asked, names...)
	t.mu.Unlock()
	t.fakeTree.mu.Lock()
	defer t.fakeTree.mu.Unlock()
	out := map[string]bool{}
	for _, n := range names {
		out[n] = len(t.fakeTree.nodes[parent+"/"+n]) > 0
	}
	return out, nil
}

func (t *countingTree) takeAsked() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.asked
	t.asked = nil
	return a
}

func TestCompleteBigParentGetsSlashes(t *testing.T) {
	tree := &countingTree{fakeTree: newFakeTree("/big", "/big/c001/x"), limit: 10}
	for i := range 300 {
		tree.add(fmt.Sprintf("/big/c%03d", i))
	}
	c, updates := newTestCompleter(t, tree)
	prime(t, c, updates, "/big")

	complete := func(line string) []string {
		return texts(c.Complete(line, len(line), "/").Suggestions)
	}
	// Listed by name only at first; the shown children are counted in the background.
	if got := complete("get /big/c00"); len(got) != 10 || got[1] != "/big/c001" {
		t.Fatalf("first suggestions %q", got)
	}
	waitUpdate(t, updates, "/big")
	if got := complete("get /big/c00"); got[1] != "/big/c001/" || got[2] != "/big/c002" {
		t.Fatalf("after counting: %q", got)
	}
	waitIdle(t, c.Cache)
	if asked := tree.takeAsked(); len(asked) != 10 {
		t.Errorf("asked about %d children (%q), want the 10 shown", len(asked), asked)
	}

	// A refresh of the parent shows what was counted while it counts the shown ones again (another
	// client may have changed them: here c003 got a child).
	tree.add("/big/c003/z")
	c.Cache.Invalidate("/big")
	waitIdle(t, c.Cache)
	if got := complete("get /big/c00"); got[1] != "/big/c001/" || got[3] != "/big/c003" {
		t.Fatalf("after a refresh: %q", got)
	}
	waitUpdate(t, updates, "/big")
	if got := complete("get /big/c00"); got[1] != "/big/c001/" || got[3] != "/big/c003/" {
		t.Fatalf("after counting again: %q", got)
	}
	waitIdle(t, c.Cache)
	if asked := tree.takeAsked(); len(asked) != 10 {
		t.Errorf("asked again about %d children (%q), want the 10 shown", len(asked), asked)
	}

	// The shell's own write below a child makes that child counted again.
	tree.add("/big/c002/y")
	c.Cache.Invalidate("/big/c002")
	complete("get /big/c00")
	waitUpdate(t, updates, "/big")
	if got := complete("get /big/c00"); got[2] != "/big/c002/" {
		t.Fatalf("after a write below c002: %q", got)
	}
	waitIdle(t, c.Cache)
	if asked := tree.takeAsked(); !reflect.DeepEqual(asked, []string{"c002"}) {
		t.Errorf("asked about %q, want c002 only", asked)
	}

	// ... and when the last child below goes, the "/" goes too (shown until the answer comes).
	tree.remove("/big/c001/x")
	c.Cache.Invalidate("/big/c001")
	if got := complete("get /big/c00"); got[1] != "/big/c001/" {
		t.Fatalf("while counting again: %q", got)
	}
	waitUpdate(t, updates, "/big")
	if got := complete("get /big/c00"); got[1] != "/big/c001" || got[2] != "/big/c002/" {
		t.Fatalf("after the last child below c001 went: %q", got)
	}
}

func (t *fakeTree) remove(p string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := strings.LastIndexByte(p, '/')
	parent := p[:i]
	if parent == "" {
		parent = "/"
	}
	t.nodes[parent] = slices.DeleteFunc(t.nodes[parent], func(n string) bool { return n == p[i+1:] })
	delete(t.nodes, p)
}

// waitUpdate waits (up to 5s) for OnUpdate(path).
func waitUpdate(t *testing.T, updates chan string, path string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case p := <-updates:
			if p == path {
				return
			}
		case <-deadline:
			t.Fatalf("no update of %s within 5s", path)
		}
	}
}

// Each suggestion is written so that the shell's splitting (cmdline) gives back the name exactly.
func TestQuoteWordRoundTrips(t *testing.T) {
	for _, name := range []string{"/a", "/a b", `/it's`, `/say "hi"`, `"lead`, `'lead`, `/a\b`, "/x;y", "/tab\there", `/"both' q`} {
		for _, q := range []byte{0, '"', '\''} {
			text, ok := quoteWord(name, q, true)
			if !ok {
				continue
			}
			words, err := cmdline.Split("get " + text)
			if err != nil || len(words) != 2 || words[1] != name {
				t.Errorf("quoteWord(%q, %q) = %s: splits into %q (%v)", name, q, text, words, err)
			}
		}
	}
	for _, name := range []string{`/"both' q`, `"it's`} {
		if text, ok := quoteWord(name, 0, true); ok {
			t.Errorf("quoteWord(%q) = %s: no zkCli word holds that name", name, text)
		}
	}
}
