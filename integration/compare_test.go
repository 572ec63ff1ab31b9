package integration

import (
	"os"
	"strings"
	"sync"
	"testing"
)

// compareTranscripts reports a readable diff between two transcripts.
func compareTranscripts(want, got []string) string {
	if strings.Join(want, "\n") == strings.Join(got, "\n") {
		return ""
	}
	return lineDiff(want, got)
}

// lineDiff is a small LCS diff: "-" lines only Apache wrote, "+" lines only ours.
func lineDiff(a, b []string) string {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			out.WriteString("  " + a[i] + "\n")
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			out.WriteString("+ " + b[j] + "\n")
			j++
		default:
			out.WriteString("- " + a[i] + "\n")
			i++
		}
	}
	return out.String()
}

func TestConformance(t *testing.T) {
	ref, ours := targets(t, nil, nil)
	compareScenarios(t, ref, ours, scenarios)
}

// compareScenarios runs each scenario on both targets at once and compares
// the transcripts.
func compareScenarios(t *testing.T, ref, ours *target, list []scenario) {
	for _, sc := range list {
		t.Run(sc.name, func(t *testing.T) {
			var want, got []string
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); want = runScenario(ref, sc) }()
			go func() { defer wg.Done(); got = runScenario(ours, sc) }()
			wg.Wait()
			if os.Getenv("ZKSH_IT_SHOW") != "" {
				t.Logf("%s transcript:\n%s", ref.name, strings.Join(want, "\n"))
			}
			for _, l := range want {
				if strings.HasPrefix(l, "ABORT") {
					t.Fatalf("scenario aborted on %s:\n%s", ref.name, strings.Join(want, "\n"))
				}
			}
			if d := compareTranscripts(want, got); d != "" {
				t.Errorf("%s (-) and %s (+) differ:\n%s", ref.name, ours.name, d)
			}
		})
	}
}
