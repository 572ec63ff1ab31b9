package zktest

import (
	"strings"
	"testing"
	"time"
)

func TestEnsembleElectsLeaderAndSurvivesLeaderRestart(t *testing.T) {
	e := StartEnsemble(t, 3, EnsembleOptions{})
	modes := map[string]int{}
	for _, m := range e.Members {
		modes[m.Mode()]++
		conf, err := FourLetter(m.Addr, "conf")
		if err != nil || !strings.Contains(conf, "dataDir="+m.DataDir) {
			t.Fatalf("member %d conf = %q, %v; want its own dataDir", m.ID, conf, err)
		}
	}
	if modes["leader"] != 1 || modes["follower"] != 2 {
		t.Fatalf("modes = %v, want one leader and two followers", modes)
	}
	old := e.Leader()
	old.Kill()
	if old.Running() {
		t.Fatal("killed leader still runs")
	}
	if err := e.WaitForLeader(time.Minute); err != nil {
		t.Fatal(err)
	}
	if l := e.Leader(); l == nil || l == old {
		t.Fatalf("new leader = %v, want another member", l)
	}
	if err := e.Restart(old); err != nil {
		t.Fatal(err)
	}
	if mode := old.Mode(); mode != "follower" {
		t.Fatalf("restarted member's mode = %q, want follower", mode)
	}
}
