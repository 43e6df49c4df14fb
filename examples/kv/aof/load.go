package aof

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/seamgo/seam/examples/kv/resp"
)

// ErrCorrupt is matched (with errors.Is) by every [*CorruptError].
var ErrCorrupt = errors.New("aof: corrupt append-only file")

// A CorruptError is a record that cannot be read or replayed. The file
// must be repaired by hand (cut at Offset, or the record fixed) before the
// server will start: silently dropping writes from the middle of the
// history would corrupt everything after them.
type CorruptError struct {
	Path   string
	Offset int64 // where the bad record starts
	Err    error
}

// Error names the file, the offset and the way out.
func (e *CorruptError) Error() string {
	return fmt.Sprintf("aof: %s: bad record at offset %d: %v (repair the file, or truncate it to %d bytes to drop this record and all after it)",
		e.Path, e.Offset, e.Err, e.Offset)
}

// Unwrap returns ErrCorrupt and the cause.
func (e *CorruptError) Unwrap() []error { return []error{ErrCorrupt, e.Err} }

// LoadResult describes a replay.
type LoadResult struct {
	Records   int   // records applied
	Size      int64 // bytes of the file after the replay
	Truncated int64 // bytes of a torn last record that were cut off
}

// Load replays the file, calling apply with each record's arguments (valid
// only during the call), then opens the file for appending, calls
// Config.Loaded and closes [Writer.Ready]; a missing file is an empty one.
// It is for a program that loads the file itself rather than through
// Serve and Config.Replay. It must be called at most once, before the
// first Append and before Serve.
//
// A last record cut short by a crash is removed from the file with a
// warning. A record that is not RESP, or that apply refuses, is returned as
// a *CorruptError naming its offset.
func (w *Writer) Load(apply func(args [][]byte) error) (LoadResult, error) {
	return w.load(context.Background(), apply)
}

// errLoadedOnce refuses a second load: replaying again into what the first
// one applied, in part or in whole, would apply records twice.
var errLoadedOnce = errors.New("aof: the file was already loaded, or its load failed part way; a Writer loads once")

// load is Load, ended between two records when ctx is done.
func (w *Writer) load(ctx context.Context, apply func(args [][]byte) error) (LoadResult, error) {
	res, err := w.open(ctx, apply)
	if err != nil {
		if !errors.Is(err, errLoadedOnce) {
			w.endLoading(err)
		}
		return res, err
	}
	w.log.Info().Int("records", res.Records).Int64("size", res.Size).Stringer("fsync", w.cfg.Fsync).
		Msg("append-only file loaded")
	// Outside flushMu, so that Loaded may append and commit.
	if w.cfg.Loaded != nil {
		w.cfg.Loaded(res)
	}
	close(w.loaded)
	w.endLoading(nil)
	if !w.cfg.ReadyOnLock {
		close(w.ready)
	}
	return res, nil
}

// open replays the file and opens it for appending, once.
func (w *Writer) open(ctx context.Context, apply func(args [][]byte) error) (LoadResult, error) {
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	w.mu.Lock()
	again := w.loading || w.closed
	w.loading = true
	w.mu.Unlock()
	if again {
		return LoadResult{}, errLoadedOnce
	}
	lock, err := lockPath(w.cfg.Path)
	if err != nil {
		return LoadResult{}, err
	}
	w.lock = lock
	if w.cfg.ReadyOnLock {
		close(w.ready)
	}
	removeStale(w.cfg.Path)
	w.loadStart.Store(time.Now().Unix())
	if fi, err := os.Stat(w.cfg.Path); err == nil {
		w.loadTotal.Store(fi.Size())
	}
	w.loadingNow.Store(true)
	res, err := replay(ctx, w.cfg.Path, apply, w.log, &w.loadedBytes)
	w.loadingNow.Store(false)
	if err != nil {
		w.unlockLocked()
		return res, err
	}
	f, err := w.cfg.OpenFile(w.cfg.Path)
	if err != nil {
		w.unlockLocked()
		return res, fmt.Errorf("aof: opening %s: %w", w.cfg.Path, err)
	}
	w.file = f
	w.appended.Store(res.Size)
	w.written.Store(res.Size)
	w.synced.Store(res.Size)
	w.baseSize.Store(res.Size)
	w.mu.Lock()
	w.opened = true
	w.mu.Unlock()
	return res, nil
}

// replay reads path record by record. It stops at the first record it
// cannot read: the end of the file is clean, a torn end is cut off, and
// anything else is corruption. It also stops, leaving the file as it was,
// when ctx is done.
//
// It reads the file in large blocks, and stores in progress the offset
// reached after each record, for INFO while it loads.
func replay(ctx context.Context, path string, apply func([][]byte) error, log zerolog.Logger, progress *atomic.Int64) (LoadResult, error) {
	var res LoadResult
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("aof: %w", err)
	}
	defer f.Close()
	// A large buffer in front of the reader's own: a read system call per
	// replayBlock bytes rather than per 16 KiB.
	rd := resp.NewReader(bufio.NewReaderSize(f, replayBlock), resp.Options{NoInline: true})
	for {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		off := rd.Offset()
		args, err := rd.ReadCommand()
		switch {
		case err == io.EOF:
			res.Size = off
			return res, nil
		case err == io.ErrUnexpectedEOF:
			fi, serr := f.Stat()
			if serr != nil {
				return res, fmt.Errorf("aof: %w", serr)
			}
			if terr := os.Truncate(path, off); terr != nil {
				return res, fmt.Errorf("aof: cutting the torn last record of %s: %w", path, terr)
			}
			res.Size, res.Truncated = off, fi.Size()-off
			log.Warn().Int64("offset", off).Int64("bytes", res.Truncated).
				Msg("append-only file ends in the middle of a record (a crash while writing?); cut it off, as Redis's aof-load-truncated does")
			return res, nil
		case err != nil && isProtocolError(err):
			return res, &CorruptError{Path: path, Offset: off, Err: err}
		case err != nil:
			return res, fmt.Errorf("aof: reading %s: %w", path, err)
		}
		if err := apply(args); err != nil {
			return res, &CorruptError{Path: path, Offset: off, Err: err}
		}
		res.Records++
		progress.Store(rd.Offset())
	}
}

// isProtocolError reports whether err is a *resp.ProtocolError. It is a
// function of its own, called only on an error, because the target of
// errors.As escapes to the heap: declared in the replay's loop, it cost an
// allocation per record.
func isProtocolError(err error) bool {
	var pe *resp.ProtocolError
	return errors.As(err, &pe)
}

// replayBlock is how much of the file a replay reads at a time.
const replayBlock = 1 << 20
