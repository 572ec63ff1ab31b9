package server

import (
	"math"
	"testing"

	"github.com/zksh/zksh/jute"
)

// TestOperationsIndex: dispatch's index finds exactly the opcodes in the table, and nothing else.
func TestOperationsIndex(t *testing.T) {
	for code := int32(-1000); code <= 1000; code++ {
		want, inTable := operations[code]
		got, found := lookupOp(code)
		if found != inTable || (found && (got.name != want.name || got.kind != want.kind)) {
			t.Fatalf("opcode %d: found %v %+v; table has %v %+v", code, found, got, inTable, want)
		}
	}
	for _, code := range []int32{math.MinInt32, math.MaxInt32, jute.OpCreateSession, jute.OpError, 0, 10} {
		if _, found := lookupOp(code); found {
			t.Fatalf("opcode %d is served", code)
		}
	}
	for code, op := range operations {
		if op.handle == nil || op.kind > opSession || (op.name == "" && code != jute.OpSASL && code != jute.OpAuth) {
			t.Fatalf("opcode %d: incomplete entry %+v", code, op)
		}
	}
}
