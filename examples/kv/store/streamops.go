package store

import (
	"errors"
	"strconv"
)

// Errors of the stream commands, besides ErrWrongType and ErrNoSuchKey.
var (
	ErrStreamIDTooSmall   = errors.New("store: the ID is equal or smaller than the stream's top item")
	ErrStreamExhausted    = errors.New("store: the stream has exhausted the last possible ID")
	ErrEntriesAddedTooLow = errors.New("store: entries_added is smaller than the stream's length")
	ErrNoStream           = errors.New("store: the stream does not exist")
	ErrNoGroup            = errors.New("store: no such consumer group")
	ErrBusyGroup          = errors.New("store: consumer group name already exists")
)

var (
	wordXAdd           = []byte("XADD")
	wordXTrim          = []byte("XTRIM")
	wordXClaim         = []byte("XCLAIM")
	wordXAck           = []byte("XACK")
	wordXGroup         = []byte("XGROUP")
	wordXSetID         = []byte("XSETID")
	wordCreate         = []byte("CREATE")
	wordSetID          = []byte("SETID")
	wordCreateConsumer = []byte("CREATECONSUMER")
	wordMaxLen         = []byte("MAXLEN")
	wordEquals         = []byte("=")
	wordTime           = []byte("TIME")
	wordRetryCount     = []byte("RETRYCOUNT")
	wordForce          = []byte("FORCE")
	wordJustID         = []byte("JUSTID")
	wordLastID         = []byte("LASTID")
	wordEntriesRead    = []byte("ENTRIESREAD")
	wordEntriesAdded   = []byte("ENTRIESADDED")
	wordMaxDeletedID   = []byte("MAXDELETEDID")
	wordZero           = []byte("0")
)

func intArg(n int64) []byte { return strconv.AppendInt(nil, n, 10) }

// lockStream write-locks key's shard and returns its stream, nil if key
// is missing. The caller unlocks the shard, whatever the error.
func (s *Store) lockStream(key []byte) (*shard, *entry, *stream, error) {
	sh, e, err := s.lockWrite(key, KindStream)
	if e == nil || err != nil {
		return sh, e, nil, err
	}
	return sh, e, e.obj.(*stream), nil
}

// readStream is read for a stream: fn runs with key's stream, if key
// holds one.
func (s *Store) readStream(key []byte, fn func(st *stream)) (found bool, err error) {
	return s.read(key, KindStream, func(o object) { fn(o.(*stream)) })
}

// XAddArgs are XADD's options.
type XAddArgs struct {
	ID         StreamID
	IDGiven    bool // an ID, not "*"
	SeqGiven   bool // ms-seq, not ms-*
	NoMkStream bool
	Trim       TrimArgs
	// NodeMaxEntries and NodeMaxBytes are Redis's stream-node-max-entries
	// and stream-node-max-bytes: when a new node begins.
	NodeMaxEntries, NodeMaxBytes int64
}

// XAddResult is what an XADD did.
type XAddResult struct {
	ID      StreamID
	Added   bool  // false: NOMKSTREAM and no stream
	Trimmed int64 // entries its trim removed
}

// XAdd appends an entry with fields to key's stream, creating it unless
// a.NoMkStream, then trims it as a.Trim says. If journal is set it
// journals an XADD with the ID it chose and, if the trim removed entries,
// MAXLEN = the length left: what replays to the same stream.
func (s *Store) XAdd(key []byte, a XAddArgs, fields [][]byte, journal bool) (XAddResult, error) {
	sh, e, st, err := s.lockStream(key)
	defer sh.mu.Unlock()
	if err != nil {
		return XAddResult{}, err
	}
	if e == nil {
		if a.NoMkStream {
			return XAddResult{}, nil
		}
		st = newStream()
	}
	if st.lastID == MaxStreamID {
		return XAddResult{}, ErrStreamExhausted
	}
	var id StreamID
	switch {
	case a.IDGiven && a.SeqGiven:
		id = a.ID
	case a.IDGiven:
		id = StreamID{a.ID.Ms, 0}
		if st.lastID.Ms == a.ID.Ms {
			if st.lastID.Seq == MaxStreamID.Seq {
				return XAddResult{}, ErrStreamIDTooSmall
			}
			id.Seq = st.lastID.Seq + 1
		}
	default:
		if ms := uint64(max(s.now(), 0)); ms > st.lastID.Ms {
			id = StreamID{ms, 0}
		} else {
			id, _ = st.lastID.Next()
		}
	}
	if !st.lastID.Less(id) {
		return XAddResult{}, ErrStreamIDTooSmall
	}
	owned := make([][]byte, len(fields))
	for i, f := range fields {
		owned[i] = clone(f)
	}
	prev := st.lastID
	was := st.appendEntry(id, owned, a.NodeMaxEntries, a.NodeMaxBytes)
	nodes, partial, deleted := st.trimPlan(a.Trim)
	if journal {
		rec := [][]byte{wordXAdd, key}
		if deleted > 0 {
			rec = append(rec, wordMaxLen, wordEquals, intArg(st.length-deleted))
		}
		rec = append(rec, id.Bytes())
		rec = append(rec, fields...)
		if err := s.record(sh, rec); err != nil {
			st.unappend(was, prev)
			return XAddResult{}, err
		}
	}
	if e == nil {
		s.added(sh.addObject(key, st))
	}
	st.trimApply(nodes, partial)
	return XAddResult{ID: id, Added: true, Trimmed: deleted}, nil
}

// XTrim trims key's stream as a says and returns how many entries went;
// if journal is set and some did, it journals XTRIM key MAXLEN = the
// length left.
func (s *Store) XTrim(key []byte, a TrimArgs, journal bool) (int64, error) {
	sh, _, st, err := s.lockStream(key)
	defer sh.mu.Unlock()
	if st == nil || err != nil {
		return 0, err
	}
	nodes, partial, deleted := st.trimPlan(a)
	if deleted == 0 {
		return 0, nil
	}
	if journal {
		if err := s.record(sh, [][]byte{wordXTrim, key, wordMaxLen, wordEquals, intArg(st.length - deleted)}); err != nil {
			return 0, err
		}
	}
	st.trimApply(nodes, partial)
	return deleted, nil
}

// XDel removes the entries with ids from key's stream, journalling rec if
// there were some, and returns how many there were.
func (s *Store) XDel(key []byte, ids []StreamID, rec [][]byte) (int, error) {
	sh, _, st, err := s.lockStream(key)
	defer sh.mu.Unlock()
	if st == nil || err != nil {
		return 0, err
	}
	return removeDistinct(s, sh, ids, sameID, rec, st.has, func(id StreamID) {
		st.remove(id)
		if st.maxDeleted.Less(id) {
			st.maxDeleted = id
		}
	})
}

// sameID is removeDistinct's key for stream IDs: the ID itself.
func sameID(id StreamID) StreamID { return id }

// XSetID sets key's stream's last ID and, when not -1 and not 0-0, its
// entries-added counter and largest deleted ID (XSETID), journalling rec.
func (s *Store) XSetID(key []byte, id StreamID, entriesAdded int64, maxDeleted StreamID, rec [][]byte) error {
	sh, _, st, err := s.lockStream(key)
	defer sh.mu.Unlock()
	if err != nil {
		return err
	}
	if st == nil {
		return ErrNoSuchKey
	}
	if st.length > 0 {
		if id.Less(st.lastValidID()) {
			return ErrStreamIDTooSmall
		}
		if entriesAdded != -1 && st.length > entriesAdded {
			return ErrEntriesAddedTooLow
		}
	}
	if err := s.record(sh, rec); err != nil {
		return err
	}
	st.lastID = id
	if entriesAdded != -1 {
		st.entriesAdded = entriesAdded
	}
	if !maxDeleted.IsZero() {
		st.maxDeleted = maxDeleted
	}
	return nil
}

// XRange returns the entries of key's stream from start to end
// inclusive, at most count (0: all), backwards if rev; nil if key is
// missing.
func (s *Store) XRange(key []byte, start, end StreamID, count int, rev bool) ([]StreamEntry, error) {
	var out []StreamEntry
	_, err := s.readStream(key, func(st *stream) {
		out = st.rangeOf(start, end, count, rev)
		if out == nil {
			out = []StreamEntry{}
		}
	})
	return out, err
}

// XLastID returns the last ID of key's stream (XREAD's $), 0-0 if key is
// missing.
func (s *Store) XLastID(key []byte) (StreamID, error) {
	var id StreamID
	_, err := s.readStream(key, func(st *stream) { id = st.lastID })
	return id, err
}

// XRead returns up to count entries (0: all) of key's stream after the
// ID after, as XREAD does; ok is false when there are none to give. With
// sinceLast, it is a blocked XREAD's wake-up: ok as soon as the stream's
// last ID is past after, even if no entry is left to give. found reports
// whether key exists.
func (s *Store) XRead(key []byte, after StreamID, count int, sinceLast bool) (ents []StreamEntry, ok, found bool, err error) {
	found, err = s.readStream(key, func(st *stream) {
		if sinceLast {
			ok = after.Less(st.lastID)
		} else {
			ok = st.length > 0 && after.Less(st.lastValidID())
		}
		if ok {
			start, _ := after.Next()
			ents = st.rangeOf(start, MaxStreamID, count, false)
		}
	})
	return ents, ok, found, err
}
