// Package integration holds zksh's conformance tests: every scenario runs
// against Apache ZooKeeper 3.8 and against the bundled server (package
// server), and the two transcripts of normalized observations must be equal.
// Real clients (Apache's zkCli.sh, python3-kazoo, go-zookeeper/zk) are run
// against both as well. The package has no code outside its tests.
package integration
