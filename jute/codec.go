// Package jute encodes and decodes the records of ZooKeeper's wire protocol (zookeeper.jute), and reads
// and writes the length-prefixed frames that carry them. Every record has a symmetric Encode and Decode,
// so the same package serves the server and test clients.
package jute

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// DefaultMaxBuffer is Apache ZooKeeper's default jute.maxbuffer (0xfffff bytes).
const DefaultMaxBuffer = 0xfffff

// ErrShort reports a record that ends before all of its fields were read.
var ErrShort = errors.New("jute: record truncated")

// ErrLength reports a negative or oversized length prefix.
var ErrLength = errors.New("jute: bad length")

// Record is one jute record.
type Record interface {
	Encode(e *Encoder)
	Decode(d *Decoder)
}

// Encoder appends big-endian jute fields to a byte slice.
type Encoder struct {
	Buf []byte
}

// Int writes a jute int.
func (e *Encoder) Int(v int32) { e.Buf = binary.BigEndian.AppendUint32(e.Buf, uint32(v)) }

// Long writes a jute long.
func (e *Encoder) Long(v int64) { e.Buf = binary.BigEndian.AppendUint64(e.Buf, uint64(v)) }

// Bool writes a jute boolean (one byte).
func (e *Encoder) Bool(v bool) {
	if v {
		e.Buf = append(e.Buf, 1)
	} else {
		e.Buf = append(e.Buf, 0)
	}
}

// Buffer writes a length-prefixed byte buffer; nil is written as length -1, as Java writes null.
func (e *Encoder) Buffer(b []byte) {
	if b == nil {
		e.Int(-1)
		return
	}
	e.Int(int32(len(b)))
	e.Buf = append(e.Buf, b...)
}

// String writes a length-prefixed UTF-8 string.
func (e *Encoder) String(s string) {
	e.Int(int32(len(s)))
	e.Buf = append(e.Buf, s...)
}

// Strings writes a vector of strings; nil is written as -1.
func (e *Encoder) Strings(v []string) {
	if v == nil {
		e.Int(-1)
		return
	}
	e.Int(int32(len(v)))
	for _, s := range v {
		e.String(s)
	}
}

// Decoder reads jute fields from a byte slice. The first error sticks: later reads return zero values,
// so a record's Decode reads every field and the caller checks Err once.
type Decoder struct {
	Buf []byte
	Off int
	Err error
	// Max bounds any one length prefix (0 = len(Buf)).
	Max int
}

// NewDecoder returns a decoder over b.
func NewDecoder(b []byte) *Decoder { return &Decoder{Buf: b} }

func (d *Decoder) fail(err error) {
	if d.Err == nil {
		d.Err = err
	}
}

func (d *Decoder) take(n int) []byte {
	if d.Err != nil {
		return nil
	}
	if n < 0 || len(d.Buf)-d.Off < n {
		d.fail(ErrShort)
		return nil
	}
	b := d.Buf[d.Off : d.Off+n]
	d.Off += n
	return b
}

// Remaining is the number of unread bytes.
func (d *Decoder) Remaining() int { return len(d.Buf) - d.Off }

// Int reads a jute int.
func (d *Decoder) Int() int32 {
	b := d.take(4)
	if b == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(b))
}

// Long reads a jute long.
func (d *Decoder) Long() int64 {
	b := d.take(8)
	if b == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

// Bool reads a jute boolean.
func (d *Decoder) Bool() bool {
	b := d.take(1)
	return b != nil && b[0] != 0
}

func (d *Decoder) length() (int, bool) {
	n := d.Int()
	if d.Err != nil {
		return 0, false
	}
	if n == -1 {
		return -1, true
	}
	if n < 0 || int(n) > d.Remaining() || (d.Max > 0 && int(n) > d.Max) {
		d.fail(ErrLength)
		return 0, false
	}
	return int(n), true
}

// Buffer reads a length-prefixed byte buffer (a copy); length -1 yields nil.
func (d *Decoder) Buffer() []byte {
	n, ok := d.length()
	if !ok || n < 0 {
		return nil
	}
	b := d.take(n)
	out := make([]byte, n)
	copy(out, b)
	return out
}

// String reads a length-prefixed string; length -1 yields "". Invalid UTF-8 is replaced by
// U+FFFD as Java's new String(bytes, UTF_8) does, so paths compare as on Apache.
func (d *Decoder) String() string {
	n, ok := d.length()
	if !ok || n < 0 {
		return ""
	}
	return JavaString(d.take(n))
}

// JavaString converts bytes to a string as Java's new String(bytes, UTF_8) does: each maximal
// malformed subpart (a bad byte, or a truncated sequence) becomes one U+FFFD.
func JavaString(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			sb.WriteByte(c)
			i++
			continue
		}
		need, lo, hi := 0, byte(0x80), byte(0xBF)
		switch {
		case c >= 0xC2 && c <= 0xDF:
			need = 1
		case c == 0xE0:
			need, lo = 2, 0xA0
		case c == 0xED:
			need, hi = 2, 0x9F
		case c >= 0xE1 && c <= 0xEF:
			need = 2
		case c == 0xF0:
			need, lo = 3, 0x90
		case c >= 0xF1 && c <= 0xF3:
			need = 3
		case c == 0xF4:
			need, hi = 3, 0x8F
		}
		j := i + 1
		for k := 0; k < need && j < len(b) && b[j] >= lo && b[j] <= hi; k++ {
			j++
			lo, hi = 0x80, 0xBF
		}
		if need > 0 && j-i == need+1 {
			sb.Write(b[i:j])
		} else {
			sb.WriteRune(utf8.RuneError)
		}
		i = j
	}
	return sb.String()
}

// Strings reads a vector of strings; length -1 yields nil.
func (d *Decoder) Strings() []string {
	n, ok := d.vectorLen(4)
	if !ok || n < 0 {
		return nil
	}
	v := make([]string, 0, n)
	for i := 0; i < n && d.Err == nil; i++ {
		v = append(v, d.String())
	}
	return v
}

// vectorLen reads a vector length whose elements take at least min bytes each.
func (d *Decoder) vectorLen(min int) (int, bool) {
	n := d.Int()
	if d.Err != nil {
		return 0, false
	}
	if n == -1 {
		return -1, true
	}
	if n < 0 || int64(n)*int64(min) > int64(d.Remaining()) {
		d.fail(ErrLength)
		return 0, false
	}
	return int(n), true
}

// Marshal encodes records one after another into a new slice.
func Marshal(recs ...Record) []byte {
	e := &Encoder{}
	for _, r := range recs {
		if r != nil {
			r.Encode(e)
		}
	}
	return e.Buf
}

// Unmarshal decodes b into rec and fails unless b held exactly one such record.
func Unmarshal(b []byte, rec Record) error {
	d := NewDecoder(b)
	rec.Decode(d)
	if d.Err != nil {
		return d.Err
	}
	if d.Remaining() != 0 {
		return fmt.Errorf("jute: %d trailing bytes", d.Remaining())
	}
	return nil
}

// ReadFrame reads one length-prefixed frame of at most max bytes into buf (grown as needed) and returns
// it. A negative or oversized length is ErrLength, as Apache's "Len error".
func ReadFrame(r io.Reader, max int, buf []byte) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := int32(binary.BigEndian.Uint32(hdr[:]))
	if n < 0 || int(n) > max {
		return nil, fmt.Errorf("%w %d", ErrLength, n)
	}
	return ReadBody(r, int(n), buf)
}

// ReadBody reads the n bytes of a frame whose length prefix has been read, reusing buf. A large
// frame's buffer grows as its bytes arrive, so a peer that only announces a big frame costs no
// more memory than it has sent.
func ReadBody(r io.Reader, n int, buf []byte) ([]byte, error) {
	const step = 64 << 10
	if cap(buf) >= n || n <= step {
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(r, buf); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		return buf, nil
	}
	buf = buf[:0]
	for len(buf) < n {
		chunk := min(n-len(buf), max(step, len(buf)))
		buf = slices.Grow(buf, chunk)
		got, err := io.ReadFull(r, buf[len(buf):len(buf)+chunk])
		buf = buf[:len(buf)+got]
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return buf, nil
}

// AppendFrame appends a frame holding the given records to dst.
func AppendFrame(dst []byte, recs ...Record) []byte {
	start := len(dst)
	e := &Encoder{Buf: append(dst, 0, 0, 0, 0)}
	for _, r := range recs {
		if r != nil {
			r.Encode(e)
		}
	}
	n := len(e.Buf) - start - 4
	if n > math.MaxInt32 {
		panic("jute: frame too large")
	}
	binary.BigEndian.PutUint32(e.Buf[start:], uint32(n))
	return e.Buf
}
