package store

import (
	"context"
	"errors"
	"strconv"

	"github.com/seamgo/seam/examples/kv/resp"
)

// ErrRewriteRunning is returned by Rewrite while another rewrite runs.
var ErrRewriteRunning = errors.New("store: a rewrite is already in progress")

// A RewriteSink receives a rewrite of the journal from [Store.Rewrite]: a
// new file that rebuilds the keyspace, written while writes go on.
type RewriteSink interface {
	// Dump adds records that rebuild some keys to the new file. It is
	// called on Rewrite's goroutine, with no lock held.
	Dump(recs []byte) error
	// Append journals rec as Journal.Append does and, atomically with
	// it, adds tail to the new file: RESP records of what rec did to
	// keys already dumped. It is called instead of Journal.Append, with
	// the write's shard locks held, for writes to keys already dumped.
	Append(rec [][]byte, tail []byte) error
	// Finish completes the new file and puts it in place of the journal,
	// once every key is dumped. Writes go on meanwhile, through Append.
	Finish() error
}

type rewrite struct{ sink RewriteSink }

// Rewrite writes the keyspace to sink as records that rebuild it, while
// writes go on, then calls sink.Finish. It dumps one shard at a time under
// that shard's lock, so a write waits at most for one shard's dump.
//
// A write to a shard not yet dumped goes to the journal only: the dump
// will include its effect. A write to a shard already dumped goes to both
// (sink.Append), so the new file has it after the dump. A write that spans
// shards is split: MSET gives the tail only its pairs of dumped shards,
// RENAME the part of its effect on them, and FLUSHALL counts every shard
// as dumped from then on. So the dump followed by the tail, in the order
// sink received them, replays to the keyspace as it is when Finish runs,
// and no record is applied twice.
//
// It returns ErrRewriteRunning if a rewrite is already running, ctx's
// error if ctx ends first, or what the sink returned.
func (s *Store) Rewrite(ctx context.Context, sink RewriteSink) error {
	if !s.rewriting.CompareAndSwap(false, true) {
		return ErrRewriteRunning
	}
	s.rw.Store(&rewrite{sink: sink})
	defer s.endRewrite()
	var buf []byte
	for i := range s.shards {
		if err := ctx.Err(); err != nil {
			return err
		}
		sh := &s.shards[i]
		sh.mu.Lock()
		buf = buf[:0]
		if !sh.dumped {
			buf = s.appendShard(buf, sh)
			sh.dumped = true
		}
		sh.mu.Unlock()
		if len(buf) > 0 {
			if err := sink.Dump(buf); err != nil {
				return err
			}
		}
		if cap(buf) > 4<<20 {
			buf = nil
		}
	}
	return sink.Finish()
}

// endRewrite returns every shard to journalling through the journal only.
// It runs after Finish: until then a write to a dumped shard must reach
// the new file. The rewrite is unset before the shards are reset, so that
// a FLUSHALL that saw it (and marks every shard dumped) is over before the
// reset comes to its shards; the next rewrite may begin only after the
// reset, so that it finds no shard dumped.
func (s *Store) endRewrite() {
	s.rw.Store(nil)
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		sh.dumped = false
		sh.mu.Unlock()
	}
	s.rewriting.Store(false)
}

// appendShard appends the records that rebuild the shard's live keys.
func (s *Store) appendShard(buf []byte, sh *shard) []byte {
	for k, e := range sh.keys {
		if !s.isExpired(e) {
			buf = appendEntry(buf, k, e)
		}
	}
	return buf
}

var (
	wordSet       = []byte("SET")
	wordPXAT      = []byte("PXAT")
	wordPExpireAt = []byte("PEXPIREAT")
	wordMSet      = []byte("MSET")
)

// appendEntry appends the records that rebuild e under key.
func appendEntry(buf []byte, key string, e *entry) []byte {
	var num [20]byte
	exp := strconv.AppendInt(num[:0], e.exp, 10)
	if e.obj == nil {
		if e.exp != 0 {
			return resp.AppendCommand(buf, wordSet, []byte(key), e.val, wordPXAT, exp)
		}
		return resp.AppendCommand(buf, wordSet, []byte(key), e.val)
	}
	buf = e.obj.appendRecords(buf, key)
	if e.exp != 0 {
		buf = resp.AppendCommand(buf, wordPExpireAt, []byte(key), exp)
	}
	return buf
}

// recordMSet journals an MSET of kv, whose shards are locked, giving a
// rewrite's tail the pairs of shards it has dumped.
func (s *Store) recordMSet(kv, rec [][]byte) error {
	if s.journal == nil || rec == nil {
		return nil
	}
	rw := s.rw.Load()
	if rw == nil {
		return s.journal.Append(rec)
	}
	tail := [][]byte{wordMSet}
	for i := 0; i+1 < len(kv); i += 2 {
		if s.shard(kv[i]).dumped {
			tail = append(tail, kv[i], kv[i+1])
		}
	}
	if len(tail) == 1 {
		return s.journal.Append(rec)
	}
	return rw.sink.Append(rec, resp.AppendCommand(nil, tail...))
}

// recordFlush journals a FLUSHALL, every shard locked. During a rewrite
// the tail gets it too, to erase what was dumped, and every shard counts
// as dumped from then on: they are empty, so there is nothing to dump.
func (s *Store) recordFlush(rec [][]byte) error {
	if s.journal == nil || rec == nil {
		return nil
	}
	rw := s.rw.Load()
	if rw == nil {
		return s.journal.Append(rec)
	}
	if err := rw.sink.Append(rec, resp.AppendCommand(nil, rec...)); err != nil {
		return err
	}
	for i := range s.shards {
		s.shards[i].dumped = true
	}
	return nil
}

// recordRename journals RENAME src dst, both shards locked, e being src's
// entry; a rewrite's tail gets its effect on the dumped shards.
func (s *Store) recordRename(shSrc, shDst *shard, src, dst []byte, e *entry, rec [][]byte) error {
	if s.journal == nil || rec == nil {
		return nil
	}
	rw := s.rw.Load()
	if rw == nil || !shSrc.dumped && !shDst.dumped {
		return s.journal.Append(rec)
	}
	var tail []byte
	switch {
	case shSrc.dumped && shDst.dumped:
		tail = resp.AppendCommand(nil, rec...)
	case shSrc.dumped: // dst's shard is dumped later, with the value
		tail = resp.AppendCommand(nil, delCmd, src)
	default: // src's shard, dumped later, no longer has it
		tail = resp.AppendCommand(nil, delCmd, dst)
		tail = appendEntry(tail, string(dst), e)
	}
	return rw.sink.Append(rec, tail)
}
