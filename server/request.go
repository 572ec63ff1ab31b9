package server

import (
	"sort"
	"time"

	"github.com/zksh/zksh/jute"
)

// handle processes one request frame from an established connection. It returns false when the
// connection must close once its replies are flushed.
// received is when the frame was read: a request's latency runs from then until its reply may
// leave (for a write, once it is durable), as Apache measures it.
func (s *Server) handle(c *conn, frame []byte, received time.Time) (keep bool) {
	d := jute.NewDecoder(frame)
	var h jute.RequestHeader
	h.Decode(d)
	if d.Err != nil {
		return false
	}
	body := frame[d.Off:]
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		// A bug must cost one connection, not the server: undo the half-applied write and close.
		if r := recover(); r != nil {
			s.log.Error("panic handling request; closing connection", "op", h.Type, "panic", r)
			if s.txn != nil {
				// Log the write empty rather than drop it: its zxid may already be in replies
				// other clients read, and a restart must not go back behind it.
				s.rollback()
				s.commit()
			}
			keep = false
		}
	}()
	sess := c.session
	if sess == nil || s.closed {
		return false
	}
	s.touch(sess)
	s.stats.received++
	var logged uint64
	if s.store != nil {
		logged = s.store.written.Load()
	}
	keep = s.dispatch(c, sess, h, body)
	s.stats.sent++
	if s.store != nil && s.store.written.Load() != logged {
		c.durableLatency(s.store.written.Load(), received)
	} else {
		s.recordLatency(c, received, time.Now())
	}
	if h.Xid >= 0 {
		c.lastCxid = h.Xid
	}
	c.lastZxid = s.zxid
	return keep
}

// recordLatency adds a request answered at end to the server's and c's latency.
func (s *Server) recordLatency(c *conn, start, end time.Time) {
	// Whole milliseconds of a monotonic clock, as Apache's Time.currentElapsedTime: a request
	// that straddles a millisecond boundary counts 1, so the average stays true.
	ms := msTick(end.Sub(s.startTime)) - msTick(start.Sub(s.startTime))
	s.latMu.Lock()
	s.latency.add(ms)
	c.latency.add(ms)
	s.latMu.Unlock()
}

// msTick is d in whole milliseconds, rounded down (also before the origin).
func msTick(d time.Duration) int64 {
	ms := int64(d / time.Millisecond)
	if d < 0 && d%time.Millisecond != 0 {
		ms--
	}
	return ms
}

// latency is min/avg/max request latency in milliseconds, as Apache's AvgMinMaxCounter keeps it.
type latency struct {
	min, max, total, count int64
}

func (l *latency) add(ms int64) {
	if l.count == 0 || ms < l.min {
		l.min = ms
	}
	l.max = max(l.max, ms)
	l.total += ms
	l.count++
}

func (l *latency) minimum() int64 { return l.min } // 0 when empty

// average is rounded to 4 decimals, half up, as Apache's srvr and mntr show it.
func (l *latency) average() float64 {
	if l.count == 0 {
		return 0
	}
	avg := float64(l.total) / float64(l.count)
	return float64(int64(avg*10000+0.5)) / 10000
}

// averageMs is the whole-millisecond average cons shows per connection.
func (l *latency) averageMs() int64 {
	if l.count == 0 {
		return 0
	}
	return l.total / l.count
}

// decode reads a request body; trailing bytes are ignored, as Apache does.
func decode(body []byte, rec jute.Record) bool {
	d := jute.NewDecoder(body)
	rec.Decode(d)
	return d.Err == nil
}

func (c *conn) addAuth(id jute.ID) {
	for _, have := range c.auth {
		if have == id {
			return
		}
	}
	c.auth = append(c.auth, id)
	sortAuth(c.auth)
}

// sortAuth orders identities as Apache's connection keeps them, a set backed by a
// ConcurrentHashMap of 16 buckets: by bucket of Id.hashCode, then by insertion.
func sortAuth(ids []jute.ID) {
	bucket := func(id jute.ID) uint32 {
		h := 37*(37*17+javaStringHash(id.Scheme)) + javaStringHash(id.ID)
		u := uint32(h)
		return ((u ^ (u >> 16)) & 0x7fffffff) & 15
	}
	sort.SliceStable(ids, func(i, j int) bool { return bucket(ids[i]) < bucket(ids[j]) })
}
