// Package integration holds zksh's conformance tests: every scenario runs
// against Apache ZooKeeper 3.8 and against the bundled server (package
// server) at the same time, and the two transcripts of normalized
// observations must be equal. Real clients (Apache's zkCli.sh, python3-kazoo,
// go-zookeeper/zk) are run against both as well. The package has no code
// outside its tests.
//
// Files: harness_test.go (targets, S, running a scenario), normalize_test.go,
// compare_test.go (diffs, TestConformance), client_test.go and
// ops_test.go (the raw client), multi_test.go, jute_test.go (adapters over
// jute), gozk_test.go, realclients_test.go (zkCli.sh and kazoo with
// testdata/), config_test.go (non-default settings), scenarios_*_test.go.
//
// A scenario (scenarios_*_test.go) is a function of *S. It opens sessions
// with S.Connect (a raw client that can send every 3.8 opcode, encoding with
// package jute) or S.GoZK, and every operation writes one line to the
// transcript: the request, the error code, the reply header's zxid and the
// decoded reply, with notifications logged before the reply they preceded on
// the socket. Scenarios share a server; each lives under its own root path.
//
// Normalization, so that only real differences remain:
//   - paths: the scenario's root is written R;
//   - zxids: relative to the zxid that created the root (z+N; "old" before it);
//   - session ids: by opening order (s1, s2...; s0 is the harness's own);
//   - times: facts instead of values (ct=now, mt=ct or mt>=ct);
//   - sorted where Apache promises no order: children, getEphemerals,
//     whoAmI, and (client.EventsUnordered) the notifications of a closed or
//     expired session's ephemerals;
//   - loose where values describe a process, not ZooKeeper's state:
//     four-letter words are reduced to their line formats and the facts a
//     scenario controls (scenarios_4lw_test.go).
//
// Clocks: S.Advance sleeps on Apache and calls FastForward on the bundled
// server, so session expiry and TTL scenarios cost real time only on Apache.
//
// Environment:
//   - ZKSH_IT_SHOW=1 logs Apache's transcript of every scenario;
//   - ZKSH_IT_AGAINST=apache compares Apache with a second Apache instead of
//     the bundled server, which checks the normalization itself;
//   - ZKSH_IT_DEBUG=1 reports sessions a scenario left behind (a harness bug:
//     their expiry would move a later scenario's zxids).
package integration
