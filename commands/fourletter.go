package commands

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/zksh/zksh/internal/zkclient"
	"github.com/zksh/zksh/render"
)

// Reading the replies to four-letter words (status, 4lw); the exchange itself is zkclient.FourLetter.

// whitelistRefusal is a word refused by members whose 4lw.commands.whitelist lacks it, with how to
// allow it.
type whitelistRefusal struct{ word, members string }

func (e *whitelistRefusal) Error() string {
	list := "srvr," + e.word
	if e.word == "srvr" {
		list = "srvr"
	}
	return fmt.Sprintf("%s is not allowed by %s: it is not in the server's 4lw.commands.whitelist "+
		"(add it in zoo.cfg, e.g. 4lw.commands.whitelist=%s, or * for every word, and restart the server; "+
		"or ask the AdminServer with --admin-url http://HOST:8080)", e.word, e.members, list)
}

// connectMembers are the members named by the connect string (the chroot dropped).
func connectMembers(server string) ([]string, error) {
	servers, _, err := parseConnectString(server)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(servers))
	for i, s := range servers {
		out[i] = zkclient.DefaultPort(s)
	}
	return out, nil
}

// forMembers runs fn for every member at once and returns the results in the members' order.
func forMembers[M, T any](members []M, fn func(member M) T) []T {
	out := make([]T, len(members))
	var wg sync.WaitGroup
	for i, m := range members {
		wg.Add(1)
		go func() { defer wg.Done(); out[i] = fn(m) }()
	}
	wg.Wait()
	return out
}

// parseSrvr reads srvr's reply into a status row; a member that answers without a mode is not
// serving requests (it is electing, or has lost its quorum).
func parseSrvr(addr, reply string) render.MemberStatus {
	m := render.MemberStatus{Addr: addr}
	for _, line := range strings.Split(reply, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Zookeeper version":
			m.Version, _, _ = strings.Cut(v, ",")
			m.Version, _, _ = strings.Cut(m.Version, "-")
		case "Latency min/avg/max":
			m.Latency = v
		case "Connections":
			m.Connections, _ = strconv.Atoi(v)
		case "Outstanding":
			m.Outstanding, _ = strconv.Atoi(v)
		case "Zxid":
			m.Zxid = v
		case "Mode":
			m.Mode = v
		case "Node count":
			m.NodeCount, _ = strconv.Atoi(v)
		}
	}
	if m.Mode == "" {
		m.Mode = "down"
		m.Error = strings.TrimSpace(reply)
		if m.Error == "" {
			m.Error = "empty srvr reply"
		}
		if strings.Contains(m.Error, "not currently serving") {
			m.Error = "not serving requests (electing, or no quorum)"
		}
	}
	return m
}

// parsePairs reads mntr (tab-separated), conf and envi (key=value) replies as keys and values, in
// the server's order; lines that are neither ("Environment:") are dropped.
func parsePairs(word, reply string) []render.KV {
	pairs := []render.KV{}
	for _, line := range strings.Split(reply, "\n") {
		line = strings.TrimRight(line, "\r")
		var k, v string
		var ok bool
		if word == "mntr" {
			k, v, ok = strings.Cut(line, "\t")
		} else {
			k, v, ok = strings.Cut(line, "=")
			if !ok {
				k, v, ok = strings.Cut(line, ": ") // conf's "membership: "
				if !ok && strings.HasSuffix(line, ":") && word != "envi" {
					k, ok = strings.TrimSuffix(line, ":"), true
				}
			}
		}
		if ok && strings.TrimSpace(k) != "" {
			pairs = append(pairs, render.KV{Key: strings.TrimSpace(k), Value: strings.TrimSpace(v)})
		}
	}
	return pairs
}

// consLine matches one connection of cons: " /127.0.0.1:52044[1](queued=0,recved=1,...)".
var consLine = regexp.MustCompile(`^\s*(\S+?)\[(\d+)\]\((.*)\)\s*$`)

// parseCons reads cons's reply as one map per connection.
func parseCons(reply string) []map[string]string {
	conns := []map[string]string{}
	for _, line := range strings.Split(reply, "\n") {
		m := consLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		c := map[string]string{"address": strings.TrimPrefix(m[1], "/"), "interest": m[2]}
		for _, f := range strings.Split(m[3], ",") {
			if k, v, ok := strings.Cut(f, "="); ok {
				c[k] = v
			}
		}
		conns = append(conns, c)
	}
	return conns
}

// jsonPairs flattens a JSON object's top-level fields into keys and values, in the object's order.
func jsonPairs(raw json.RawMessage) []render.KV {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	pairs := []render.KV{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil
		}
		val := string(v)
		var s string
		if json.Unmarshal(v, &s) == nil {
			val = s
		}
		pairs = append(pairs, render.KV{Key: fmt.Sprint(t), Value: val})
	}
	return pairs
}
