package zkclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
)

// Multi sends ops as one multi request: all are applied or none. ops are go-zookeeper's
// *zk.CreateRequest, *zk.SetDataRequest, *zk.DeleteRequest and *zk.CheckVersionRequest, on the user's
// paths (they are copied, not changed). When the server refuses the request, the error is the
// refused operation's, and failed is its index (-1 otherwise).
func (c *Client) Multi(ops ...any) (res []zk.MultiResponse, failed int, err error) {
	mapped := make([]any, len(ops))
	for i, op := range ops {
		switch o := op.(type) {
		case *zk.CreateRequest:
			m := *o
			m.Path = c.ServerPath(o.Path)
			mapped[i] = &m
		case *zk.SetDataRequest:
			m := *o
			m.Path = c.ServerPath(o.Path)
			mapped[i] = &m
		case *zk.DeleteRequest:
			m := *o
			m.Path = c.ServerPath(o.Path)
			mapped[i] = &m
		case *zk.CheckVersionRequest:
			m := *o
			m.Path = c.ServerPath(o.Path)
			mapped[i] = &m
		default:
			return nil, -1, fmt.Errorf("multi: unsupported operation %T", op)
		}
	}
	res, err = c.s.Multi(mapped...)
	for i := range res {
		if res[i].String != "" {
			res[i].String = c.UserPath(res[i].String)
		}
	}
	if err == nil {
		return res, -1, nil
	}
	for i, r := range res {
		if r.Error != nil && errors.Is(r.Error, err) {
			return res, i, err
		}
	}
	return res, -1, err
}

// Spread returns c and up to n-1 more sessions to the same servers with the same credentials, for
// spreading bulk writes (the server answers each session's requests in order). A session that
// cannot be had within a second is left out. done closes the extra sessions.
func (c *Client) Spread(ctx context.Context, n int) (clients []*Client, done func()) {
	clients = []*Client{c}
	extra := make([]*Client, n-1)
	var wg sync.WaitGroup
	for i := range extra {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cfg := c.cfg
			cfg.Auth, cfg.OnExpired, cfg.ConnectTimeout = c.Auth(), nil, time.Second
			h, err := New(cfg)
			if err != nil {
				return
			}
			if err := h.Wait(ctx); err != nil {
				h.Close()
				return
			}
			extra[i] = h
		}()
	}
	wg.Wait()
	for _, h := range extra {
		if h != nil {
			clients = append(clients, h)
		}
	}
	return clients, func() {
		for _, h := range clients[1:] {
			h.Close()
		}
	}
}
