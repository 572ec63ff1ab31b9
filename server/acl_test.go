package server_test

import (
	"testing"

	"github.com/zksh/zksh/jute"
	"github.com/zksh/zksh/server"
)

func TestDigest(t *testing.T) {
	// The digest zkCli documents for user "super", password "secret".
	if got := server.Digest("super:secret"); got != "super:lK75jTNcA+U9vtVEw5vB51mj/w4=" {
		t.Fatalf("Digest = %s", got)
	}
}

func TestACLEnforcement(t *testing.T) {
	srv, err := server.New(server.Config{SuperDigest: server.Digest("super:secret")})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() { srv.Close() })
	owner := newRaw(t, srv)
	wantCode(t, "auth", owner.auth("digest", "alice:pw"), 0)
	wantCode(t, "create", owner.call(jute.OpCreate, &jute.CreateRequest{Path: "/s", Data: []byte("secret"),
		ACL: []jute.ACL{{Perms: jute.PermAll, ID: jute.ID{Scheme: "auth"}}, {Perms: jute.PermRead, ID: jute.ID{Scheme: "ip", ID: "10.0.0.0/8"}}}}, nil), 0)
	var acl jute.GetACLResponse
	wantCode(t, "getACL", owner.call(jute.OpGetACL, &jute.PathRecord{Path: "/s"}, &acl), 0)
	if len(acl.ACL) != 2 || acl.ACL[0].ID.ID != server.Digest("alice:pw") {
		t.Fatalf("auth not expanded: %+v", acl.ACL)
	}

	other := newRaw(t, srv)
	wantCode(t, "read", other.call(jute.OpGetData, &jute.PathWatchRequest{Path: "/s"}, nil), jute.ErrNoAuth)
	wantCode(t, "write", other.call(jute.OpSetData, &jute.SetDataRequest{Path: "/s", Version: -1}, nil), jute.ErrNoAuth)
	wantCode(t, "create child", other.call(jute.OpCreate, &jute.CreateRequest{Path: "/s/c", ACL: openACL}, nil), jute.ErrNoAuth)
	wantCode(t, "setACL", other.call(jute.OpSetACL, &jute.SetACLRequest{Path: "/s", ACL: openACL, Version: -1}, nil), jute.ErrNoAuth)
	// exists needs no permission in 3.8.0; getACL needs none of READ|ADMIN here.
	wantCode(t, "exists", other.call(jute.OpExists, &jute.PathWatchRequest{Path: "/s"}, nil), 0)
	wantCode(t, "getACL without rights", other.call(jute.OpGetACL, &jute.PathRecord{Path: "/s"}, nil), jute.ErrNoAuth)
	wantCode(t, "auth ACL without identity", other.call(jute.OpCreate, &jute.CreateRequest{Path: "/t",
		ACL: []jute.ACL{{Perms: jute.PermAll, ID: jute.ID{Scheme: "auth"}}}}, nil), jute.ErrInvalidACL)

	// READ without ADMIN sees digests redacted.
	reader := newRaw(t, srv)
	wantCode(t, "owner grants read", owner.call(jute.OpSetACL, &jute.SetACLRequest{Path: "/s", Version: 0, ACL: []jute.ACL{
		{Perms: jute.PermAll, ID: jute.ID{Scheme: "digest", ID: server.Digest("alice:pw")}},
		{Perms: jute.PermRead, ID: jute.ID{Scheme: "ip", ID: "127.0.0.1"}}}}, nil), 0)
	wantCode(t, "getACL redacted", reader.call(jute.OpGetACL, &jute.PathRecord{Path: "/s"}, &acl), 0)
	if acl.ACL[0].ID.ID != "alice:x" || acl.Stat.Aversion != 1 {
		t.Fatalf("redaction: %+v", acl)
	}
	wantCode(t, "ip read", reader.call(jute.OpGetData, &jute.PathWatchRequest{Path: "/s"}, nil), 0)
	wantCode(t, "bad aversion", owner.call(jute.OpSetACL, &jute.SetACLRequest{Path: "/s", Version: 0, ACL: openACL}, nil), jute.ErrBadVersion)

	super := newRaw(t, srv)
	wantCode(t, "super auth", super.auth("digest", "super:secret"), 0)
	wantCode(t, "super writes", super.call(jute.OpSetData, &jute.SetDataRequest{Path: "/s", Version: -1}, nil), 0)
	var who jute.WhoAmIResponse
	wantCode(t, "whoAmI", super.call(jute.OpWhoAmI, nil, &who), 0)
	// Order and users as Apache 3.8.0 reports them.
	if len(who.ClientInfo) != 3 || who.ClientInfo[0].AuthScheme != "super" || who.ClientInfo[1] != (jute.ClientInfo{AuthScheme: "digest", User: "super"}) ||
		who.ClientInfo[2] != (jute.ClientInfo{AuthScheme: "ip", User: "127.0.0.1"}) {
		t.Fatalf("whoAmI %+v", who.ClientInfo)
	}

	for _, bad := range []jute.ID{{Scheme: "digest", ID: "nocolon"}, {Scheme: "ip", ID: "10.0.0.1/33"}, {Scheme: "ip", ID: "host"}, {Scheme: "ip", ID: "::1"}, {Scheme: "nope", ID: "x"}} {
		wantCode(t, "invalid ACL "+bad.Scheme+":"+bad.ID, owner.call(jute.OpCreate, &jute.CreateRequest{Path: "/bad",
			ACL: []jute.ACL{{Perms: jute.PermAll, ID: bad}}}, nil), jute.ErrInvalidACL)
	}
	// An unknown scheme fails authentication and closes the connection.
	bad := newRaw(t, srv)
	wantCode(t, "unknown scheme", bad.auth("kerberos", "x"), jute.ErrAuthFailed)
	if _, err := bad.br.ReadByte(); err == nil {
		t.Fatal("connection open after AuthFailed")
	}
}
