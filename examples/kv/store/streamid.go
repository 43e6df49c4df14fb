package store

import (
	"bytes"
	"math"
	"strconv"

	"github.com/seamgo/seam/examples/kv/resp"
)

// StreamID is a stream entry's ID, ms-seq: the milliseconds of its time
// and a sequence number within that millisecond.
type StreamID struct{ Ms, Seq uint64 }

// MaxStreamID is the largest ID there is, "+" as a range's end.
var MaxStreamID = StreamID{math.MaxUint64, math.MaxUint64}

// Compare returns -1, 0 or +1 as id is before, equal to or after o.
func (id StreamID) Compare(o StreamID) int {
	switch {
	case id.Ms < o.Ms || id.Ms == o.Ms && id.Seq < o.Seq:
		return -1
	case id == o:
		return 0
	}
	return 1
}

// Less reports whether id comes before o.
func (id StreamID) Less(o StreamID) bool { return id.Compare(o) < 0 }

// IsZero reports whether id is 0-0.
func (id StreamID) IsZero() bool { return id == StreamID{} }

// Next returns the ID after id, and false if id is the last there is.
func (id StreamID) Next() (StreamID, bool) {
	switch {
	case id.Seq < math.MaxUint64:
		return StreamID{id.Ms, id.Seq + 1}, true
	case id.Ms < math.MaxUint64:
		return StreamID{id.Ms + 1, 0}, true
	}
	return StreamID{}, false
}

// Prev returns the ID before id, and false if id is 0-0.
func (id StreamID) Prev() (StreamID, bool) {
	switch {
	case id.Seq > 0:
		return StreamID{id.Ms, id.Seq - 1}, true
	case id.Ms > 0:
		return StreamID{id.Ms - 1, math.MaxUint64}, true
	}
	return MaxStreamID, false
}

// Append appends id as Redis writes it, ms-seq.
func (id StreamID) Append(dst []byte) []byte {
	dst = strconv.AppendUint(dst, id.Ms, 10)
	dst = append(dst, '-')
	return strconv.AppendUint(dst, id.Seq, 10)
}

// String returns id as ms-seq.
func (id StreamID) String() string { return string(id.Append(nil)) }

// Bytes returns id as ms-seq, in a new slice.
func (id StreamID) Bytes() []byte { return id.Append(make([]byte, 0, 24)) }

// ParseStreamID reads an ID as Redis's stream commands read their
// arguments: ms-seq, or ms alone with missingSeq as its sequence; "-" and
// "+" are the smallest and largest IDs unless strict.
func ParseStreamID(b []byte, missingSeq uint64, strict bool) (StreamID, bool) {
	id, _, ok := parseStreamID(b, missingSeq, strict, false)
	return id, ok
}

// ParseAddID reads XADD's explicit ID: as ParseStreamID with strict set,
// and ms-* too, whose sequence XADD chooses: seqGiven is false then.
func ParseAddID(b []byte) (id StreamID, seqGiven, ok bool) {
	return parseStreamID(b, 0, true, true)
}

func parseStreamID(b []byte, missingSeq uint64, strict, auto bool) (id StreamID, seqGiven, ok bool) {
	if len(b) > 127 {
		return StreamID{}, false, false
	}
	if len(b) == 1 && (b[0] == '-' || b[0] == '+') {
		if strict {
			return StreamID{}, false, false
		}
		if b[0] == '-' {
			return StreamID{}, true, true
		}
		return MaxStreamID, true, true
	}
	ms, seq := b, []byte(nil)
	dash := bytes.IndexByte(b, '-')
	if dash >= 0 {
		ms, seq = b[:dash], b[dash+1:]
	}
	if id.Ms, ok = parseU64(ms); !ok {
		return StreamID{}, false, false
	}
	switch {
	case dash < 0:
		id.Seq = missingSeq
	case auto && len(seq) == 1 && seq[0] == '*':
		return id, false, true
	default:
		if id.Seq, ok = parseU64(seq); !ok {
			return StreamID{}, false, false
		}
	}
	return id, true, true
}

// parseU64 reads an unsigned number as Redis's string2ull does: a
// canonical integer that is not negative, or else whatever C's strtoull
// takes whole (leading spaces, a sign, leading zeros; a minus sign
// negates modulo 2^64).
func parseU64(b []byte) (uint64, bool) {
	if n, ok := resp.ParseInt(b); ok {
		return uint64(n), n >= 0
	}
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] >= '\t' && b[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	if i == len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[i:]), 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}
