package aof

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/seamgo/seam/examples/kv/resp"
)

// ErrRewriteRunning is returned by [Writer.Rewrite] and
// [Rewriter.Request] while a rewrite runs or is scheduled.
var ErrRewriteRunning = errors.New("aof: a rewrite is already in progress")

// tmpSuffix ends the name of a rewrite's temporary file, which lies beside
// the file: "<base>.rewrite-<random>.tmp". A crash can leave one; the next
// load removes it, holding the lock.
const tmpSuffix = ".tmp"

func tmpPrefix(path string) string { return filepath.Base(path) + ".rewrite-" }

// RewriteSink is the new file of a rewrite in progress: it receives the
// dump of the keyspace and the tail of writes made meanwhile, and puts the
// new file in place of the old. It satisfies the kv store's RewriteSink;
// [Writer.Rewrite] makes one and hands it to its dump function.
type RewriteSink struct {
	w    *Writer
	path string        // the temporary file
	f    File          // opened with Config.OpenFile; the Writer's file after the switch
	bw   *bufio.Writer // buffers the dump into f
	lock *os.File      // flock on the temporary file, taken before it is renamed into place
	tail resp.Batch    // records for keys already dumped, guarded by w.mu
	// tailDB is the database of the tail's last record, -1 before the
	// first: the tail selects its databases as the journal does.
	tailDB int
	size   int64 // bytes written to f
}

// Dump writes records that rebuild some keys to the new file. It is called
// on the rewrite's goroutine only. The kv store calls it with successive
// pieces of its records, a big piece being a stored value itself, not a
// copy: bufio copies a piece into its buffer or, if it does not fit,
// writes it to the file directly; either way nothing of recs is held once
// Dump returns.
func (s *RewriteSink) Dump(recs []byte) error {
	n, err := s.bw.Write(recs)
	s.size += int64(n)
	if err != nil {
		return fmt.Errorf("aof: writing rewrite %s: %w", s.path, err)
	}
	return nil
}

// dumpTail writes a tail taken from Append to the new file.
func (s *RewriteSink) dumpTail(t *resp.Batch) error {
	n, err := t.WriteTo(s.bw, 0)
	s.size += n
	if err != nil {
		return fmt.Errorf("aof: writing rewrite %s: %w", s.path, err)
	}
	return nil
}

// Append journals rec, as [Writer.Append] does, and adds tail, what rec did
// to keys already dumped, to the new file after the dump; both under one
// lock, so the journal and the tail see writes in the same order. Called
// after the switch (or after the rewrite failed), it journals rec only:
// the file it appends to is then the new one, or the old one still live.
//
// A tail of resp.BigArg bytes or more is kept, not copied, until it is
// written: the caller must never change it again (the kv store builds
// such a tail afresh, for a RENAME; its other tails go through
// AppendRecords). Smaller ones are copied.
//
// db is the database rec and tail apply to, as [Writer.AppendDB]'s; -1
// selects none, as [Writer.Append].
func (s *RewriteSink) Append(db int, rec [][]byte, tail []byte) error {
	return s.journal(db, [][][]byte{rec}, len(tail) > 0, func(*Writer) { s.tail.AppendBytes(tail) })
}

// selectTail adds a SELECT db to the tail if its last record applied to
// another database. w.mu must be held.
func (s *RewriteSink) selectTail(db int) {
	if db >= 0 && db != s.tailDB {
		s.tail.AppendCommand([][]byte{wordSelect, strconv.AppendInt(nil, int64(db), 10)}, nil)
		s.tailDB = db
	}
}

// AppendRecords is Append with the records of one write, appended all or
// none as [Writer.AppendAllDB] appends them, and a tail of records,
// appended as the journal appends recs: a big argument (resp.BigArg bytes or more) that lies within
// a slice declared with [Writer.Keep] is referenced until it is written,
// any other copied. So a big SET to a key already dumped, which the kv
// server keeps while it runs, costs neither the journal nor the tail a
// copy of its value.
func (s *RewriteSink) AppendRecords(db int, recs [][][]byte, tail [][][]byte) error {
	return s.journal(db, recs, len(tail) > 0, func(w *Writer) {
		keep := w.keptLocked()
		for _, t := range tail {
			s.tail.AppendCommand(t, keep)
		}
	})
}

// journal appends recs, of database db, to the journal and, while this
// sink's rewrite is still the Writer's and there is a tail, selects db in
// the tail and runs addTail, under the same lock, so that the journal and
// the tail see writes in one order.
func (s *RewriteSink) journal(db int, recs [][][]byte, hasTail bool, addTail func(w *Writer)) error {
	w := s.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.appendLocked(db, recs...); err != nil {
		return err
	}
	if w.rw == s && hasTail {
		s.selectTail(db)
		addTail(w)
	}
	return nil
}

// takeTail returns the tail gathered so far and starts a new one. With
// last, it also ends the tailing: later Appends go to the journal only,
// which the switch is about to make the new file.
func (s *RewriteSink) takeTail(last bool) resp.Batch {
	w := s.w
	w.mu.Lock()
	defer w.mu.Unlock()
	t := s.tail
	s.tail = resp.Batch{}
	if last {
		w.rw = nil
	}
	return t
}

// drainTail writes the tail to the new file until what is left is small,
// so that the switch, which holds up commits, has little to write.
func (s *RewriteSink) drainTail() error {
	for range 16 {
		t := s.takeTail(false)
		if err := s.dumpTail(&t); err != nil {
			return err
		}
		if t.Len() < 64<<10 {
			return nil
		}
	}
	return nil
}

// Finish completes the new file and puts it in place of the old:
//
//  1. It writes the tail gathered so far, while writes go on.
//  2. Holding flushMu, so that no Commit writes or syncs meanwhile, it
//     ends the tailing and moves the records not yet written to the old
//     file aside (their effect is in the dump or in the tail), writes the
//     last of the tail, and fsyncs the new file.
//  3. It locks the new file, renames it over the old and fsyncs the
//     directory. Only then does the Writer append to the new file, the
//     records set aside are dropped, and every record appended before the
//     switch counts as written and synced: the new file holds them all.
//
// A failure before the rename leaves the old file live and whole: the
// records set aside are written to it as usual, and no Commit returned
// for them meanwhile.
func (s *RewriteSink) Finish() error {
	w := s.w
	if err := s.drainTail(); err != nil {
		return err
	}
	if err := s.flush(); err != nil {
		return err
	}
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	w.mu.Lock()
	switch {
	case w.closed:
		w.mu.Unlock()
		return ErrClosed
	case w.failErr != nil || w.file == nil:
		w.mu.Unlock()
		return fmt.Errorf("%w: the rewrite is abandoned", ErrFailing)
	}
	t := s.tail
	s.tail, w.rw = resp.Batch{}, nil
	// What is appended from here on follows the tail in the new file,
	// whose database the journal does not know: the next record selects.
	w.selected = -1
	w.pending.AppendBatch(&w.buf)
	w.buf.Reset(keepBufSize)
	upTo := w.appended.Load()
	w.mu.Unlock()

	err := s.dumpTail(&t)
	if err == nil {
		err = s.flush()
	}
	if err == nil {
		err = s.f.Sync()
	}
	if err == nil {
		s.lock, err = lockPath(s.path)
	}
	if err != nil {
		return fmt.Errorf("aof: completing rewrite %s: %w", s.path, err)
	}
	if err := os.Rename(s.path, w.cfg.Path); err != nil {
		return fmt.Errorf("aof: rewrite: %w", err)
	}
	// From here the new file is the live one whatever happens.
	old := w.file
	w.file, s.f = s.f, nil
	w.setLock(s.lock)
	s.lock = nil
	w.resetPending()
	w.written.Store(upTo)
	for cur := w.synced.Load(); upTo > cur && !w.synced.CompareAndSwap(cur, upTo); cur = w.synced.Load() {
	}
	w.sizeDelta.Store(s.size - upTo)
	w.baseSize.Store(s.size)
	_ = old.Close()
	if err := syncDir(filepath.Dir(w.cfg.Path)); err != nil {
		return fmt.Errorf("aof: rewrite: the new file is in place but the directory was not synced: %w", err)
	}
	return nil
}

func (s *RewriteSink) flush() error {
	if err := s.bw.Flush(); err != nil {
		return fmt.Errorf("aof: writing rewrite %s: %w", s.path, err)
	}
	return nil
}

// abandon removes the temporary file of a rewrite that did not switch.
func (s *RewriteSink) abandon() {
	s.takeTail(true)
	if s.f != nil {
		_ = s.f.Close()
		_ = os.Remove(s.path)
	}
	if s.lock != nil {
		closeLock(s.lock)
	}
}

// syncDir fsyncs a directory, so that a rename in it survives a crash of
// the machine.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Rewrite replaces the file with a compact one: it creates a temporary
// file beside it, calls dump (the kv server's store.Rewrite), which writes
// the keyspace and the tail of writes made meanwhile to the sink and calls
// its Finish, which renames the new file into place (see
// [RewriteSink.Finish]). Writes go on throughout; a crash at any moment
// leaves either the old file or the new one under the file's name, each
// replaying to every acknowledged write.
//
// It blocks until the rewrite ends: switched (nil), failed (the old file
// stays live; the error), or abandoned because ctx ended (ctx's error). It
// returns ErrRewriteRunning if another rewrite runs, and ErrNotLoaded
// before the file is loaded.
func (w *Writer) Rewrite(ctx context.Context, dump func(ctx context.Context, sink *RewriteSink) error) error {
	if !w.rewriting.CompareAndSwap(false, true) {
		return ErrRewriteRunning
	}
	start := time.Now()
	w.rewriteStart.Store(start.UnixNano())
	err := w.rewrite(ctx, dump)
	took := time.Since(start)
	w.rewriteStart.Store(0)
	w.lastRewrite.Store(int64(took / time.Second))
	w.rewriteFailed.Store(err != nil)
	// The flag goes before the count: whoever sees the rewrite counted
	// may start the next one.
	w.rewriting.Store(false)
	w.rewrites.Add(1)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Error().Err(err).Msg("append-only file rewrite failed; the old file stays in use")
		}
		return err
	}
	w.log.Info().Int64("size", w.baseSize.Load()).Dur("took", took).Msg("append-only file rewritten")
	return nil
}

func (w *Writer) rewrite(ctx context.Context, dump func(context.Context, *RewriteSink) error) error {
	w.mu.Lock()
	opened, closed := w.opened, w.closed
	w.mu.Unlock()
	switch {
	case closed:
		return ErrClosed
	case !opened:
		return ErrNotLoaded
	}
	tmp, err := os.CreateTemp(filepath.Dir(w.cfg.Path), tmpPrefix(w.cfg.Path)+"*"+tmpSuffix)
	if err != nil {
		return fmt.Errorf("aof: rewrite: %w", err)
	}
	name := tmp.Name()
	_ = tmp.Close()
	f, err := w.cfg.OpenFile(name)
	if err != nil {
		_ = os.Remove(name)
		return fmt.Errorf("aof: rewrite: %w", err)
	}
	s := &RewriteSink{w: w, path: name, f: f, tailDB: -1}
	s.bw = bufio.NewWriterSize(writerOnly{f}, 256<<10)
	defer s.abandon()
	w.mu.Lock()
	w.rw = s
	w.mu.Unlock()
	return dump(ctx, s)
}

// writerOnly hides a File's other methods from bufio.
type writerOnly struct{ File }

// removeStale removes the temporary files that rewrites cut short by a
// crash left beside path. The caller holds path's lock, so none of them
// belongs to a rewrite still running.
func removeStale(path string) {
	dir, prefix := filepath.Dir(path), tmpPrefix(path)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if n := e.Name(); strings.HasPrefix(n, prefix) && strings.HasSuffix(n, tmpSuffix) {
			_ = os.Remove(filepath.Join(dir, n))
		}
	}
}
