package jute

import (
	"bytes"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the frame reader and to every record decoder. Decoding must
// never panic, and whatever decodes must re-encode to bytes that decode to the same record.
func FuzzDecode(f *testing.F) {
	for _, tc := range records() {
		b := Marshal(tc.rec)
		f.Add(b)
		f.Add(AppendFrame(nil, tc.rec))
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0, 4, 'r', 'u', 'o', 'k'})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		for {
			frame, err := ReadFrame(r, 1<<16, nil)
			if err != nil {
				break
			}
			if len(frame) > 1<<16 {
				t.Fatalf("frame of %d bytes exceeds the limit", len(frame))
			}
		}
		for _, tc := range records() {
			rec := tc.empty()
			d := NewDecoder(b)
			rec.Decode(d)
			if d.Err != nil {
				continue
			}
			enc := Marshal(rec)
			again := tc.empty()
			if err := Unmarshal(enc, again); err != nil {
				t.Fatalf("%T: re-encoded record does not decode: %v", rec, err)
			}
			if !bytes.Equal(Marshal(again), enc) {
				t.Fatalf("%T: encoding not stable", rec)
			}
		}
	})
}
