package zkclient

import (
	"context"

	"github.com/go-zookeeper/zk"

	"github.com/zksh/zksh/jute"
)

// Reconfig asks the ensemble to change its membership (zkCli's reconfig, opcode 16), as
// ZooKeeperAdmin.reconfigure does: incrementally (joining: "server.N=host:quorum:election[:role];[host:]clientPort"
// lines, comma separated; leaving: server ids, comma separated) or with the whole new membership
// (members, same lines). fromConfig is the configuration version the change applies to (-1: any).
// It returns the new configuration (/zookeeper/config's data) and its stat. The server allows it
// to the super user or to a session whose ACL on /zookeeper/config allows writing, and only with
// reconfigEnabled=true (else ReconfigDisabled).
// A nil string is not sent (null): the server tells the incremental form from the other by which
// strings are null.
func (c *Client) Reconfig(ctx context.Context, joining, leaving, members *string, fromConfig int64) ([]byte, *zk.Stat, error) {
	var resp jute.GetDataResponse
	_, err := c.s.request(ctx, jute.OpReconfig, &reconfigRequest{joining, leaving, members, fromConfig}, &resp, nil)
	if err != nil {
		return nil, nil, err
	}
	return resp.Data, stat(&resp.Stat), nil
}

// reconfigRequest is jute.ReconfigRequest with null strings (-1), as Apache's client sends the parts
// it does not use.
type reconfigRequest struct {
	joining, leaving, members *string
	fromConfig                int64
}

func (r *reconfigRequest) Encode(e *jute.Encoder) {
	for _, s := range []*string{r.joining, r.leaving, r.members} {
		if s == nil {
			e.Int(-1)
		} else {
			e.String(*s)
		}
	}
	e.Long(r.fromConfig)
}

func (r *reconfigRequest) Decode(d *jute.Decoder) {
	var q jute.ReconfigRequest
	q.Decode(d)
	r.joining, r.leaving, r.members, r.fromConfig = &q.JoiningServers, &q.LeavingServers, &q.NewMembers, q.CurConfigID
}
