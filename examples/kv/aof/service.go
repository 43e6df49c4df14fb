package aof

import (
	"context"
	"fmt"
	"time"

	"github.com/thejerf/suture/v4"
)

// Serve keeps the file. Its first start loads it, unless Load did: it
// replays the records through Config.Replay, opens the file for appending
// and closes [Writer.Ready]; a corrupt file is returned as a
// [*CorruptError] before Ready closes, so a supervisor.Group fails its
// start. Then Serve syncs the file once a second (FsyncEverySec) or writes
// it out (FsyncNo), and ends with an error when a write or sync fails
// anywhere, so that the supervisor restarts it; a restarted Serve reopens
// the file, writes what was pending and lets appends in again.
//
// When ctx is cancelled, Serve writes, syncs and closes the file and
// returns; from then on Append returns ErrClosed. Whatever appends must be
// stopped first (in the kv server, the listener, whose stop waits for its
// connections), or its later records are refused. A cancel during the
// replay ends it between two records, leaving the file as it was, and
// closes the Writer the same way. A stopped Writer is not started again.
func (w *Writer) Serve(ctx context.Context) error {
	w.mu.Lock()
	closed, opened, failing := w.closed, w.opened, w.failErr != nil
	w.mu.Unlock()
	switch {
	case closed:
		return fmt.Errorf("%w: %w", ErrClosed, suture.ErrDoNotRestart)
	case !opened:
		if w.cfg.Replay == nil {
			return fmt.Errorf("%w: no Config.Replay to load %s with, and Load was not called", ErrNotLoaded, w.cfg.Path)
		}
		if _, err := w.load(ctx, w.cfg.Replay); err != nil {
			if ctx.Err() != nil {
				return w.stop()
			}
			if w.cfg.ReadyOnLock && closedYet(w.ready) {
				// Ready already: the start can no longer fail, and
				// a server on half a keyspace must not go on.
				return fmt.Errorf("%w: %w", err, suture.ErrTerminateSupervisorTree)
			}
			return err
		}
	case failing:
		if err := w.recover(); err != nil {
			return err
		}
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return w.stop()
		case <-w.failed:
			w.mu.Lock()
			err := w.failErr
			w.mu.Unlock()
			if err != nil {
				return err
			}
		case <-tick.C:
			if err := w.tick(); err != nil {
				return err
			}
		}
	}
}

// closedYet reports whether c is closed.
func closedYet(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// tick is the once-a-second work: write out, and sync unless the policy
// leaves that to the operating system. The fsync runs outside flushMu so
// that Commits keep writing while the disk syncs; only Serve replaces or
// closes the file, so it cannot go away underneath.
func (w *Writer) tick() error {
	w.flushMu.Lock()
	err := w.flushLocked()
	end, f := w.written.Load(), w.file
	w.flushMu.Unlock()
	if err != nil || w.cfg.Fsync == FsyncNo || f == nil || w.synced.Load() >= end {
		return err
	}
	if err := f.Sync(); err != nil {
		w.flushMu.Lock()
		swapped := w.file != f
		w.flushMu.Unlock()
		if swapped {
			return nil // a rewrite closed f; it synced the new file before the switch
		}
		return w.fail("fsync", err)
	}
	// A Commit may have synced further meanwhile; never move back.
	for cur := w.synced.Load(); end > cur && !w.synced.CompareAndSwap(cur, end); cur = w.synced.Load() {
	}
	return nil
}

// recover reopens the file after a failure and writes what was pending;
// if that works, appends are accepted again. Appends stay refused (with
// ErrFailing) until it has succeeded.
func (w *Writer) recover() error {
	select {
	case <-w.failed: // the failure being recovered from
	default:
	}
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	if w.file != nil {
		_ = w.file.Close()
		w.file = nil
	}
	f, err := w.cfg.OpenFile(w.cfg.Path)
	if err == nil {
		w.file = f
		if err = w.flushLocked(); err == nil {
			err = w.syncLocked()
		}
	} else {
		err = fmt.Errorf("reopen %s: %w", w.cfg.Path, err)
	}
	if err != nil {
		w.countFailure(err)
		return err
	}
	w.mu.Lock()
	w.failErr = nil
	w.mu.Unlock()
	w.log.Info().Uint64("failures", w.failures.Load()).Msg("append-only file writable again")
	return nil
}

// stop flushes, syncs and closes the file, and refuses appends from then
// on.
func (w *Writer) stop() error {
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	defer w.unlockLocked()
	w.mu.Lock()
	w.closed = true
	lost := w.buf.Len() + w.pending.Len() - w.skip
	w.mu.Unlock()
	if w.file == nil {
		if lost > 0 {
			// Commit failed for all of these, so none was acknowledged.
			w.log.Error().Int64("bytes", lost).Msg("append-only file unavailable at stop; unacknowledged records dropped")
		}
		return nil
	}
	err := w.flushLocked()
	if err == nil {
		err = w.syncLocked()
	}
	if cerr := w.file.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("aof: closing %s: %w", w.cfg.Path, cerr)
	}
	w.file = nil
	if err != nil {
		w.log.Error().Err(err).Msg("append-only file not flushed at stop")
		return err
	}
	w.log.Info().Int64("size", w.written.Load()+w.sizeDelta.Load()).Msg("append-only file flushed, synced and closed")
	return nil
}
