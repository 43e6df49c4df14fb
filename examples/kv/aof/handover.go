package aof

import (
	"errors"
	"fmt"
	"os"
)

// ErrHandedOver is returned by Append while the file is handed over to
// another process (see [Writer.Handover]).
var ErrHandedOver = errors.New("aof: the append-only file is handed over to another process")

// Handover gives the file to another process, as an upgrade in place does
// to its successor: it writes out every record appended, fsyncs and closes
// the file and releases its lock, so that the other process can take the
// lock and load a file that holds every write this one acknowledged. From
// then on Append returns [ErrHandedOver] and no rewrite starts; Serve keeps
// running and its stop has nothing left to write. Whatever appends (the
// listener's connections) must have stopped first, or their writes are
// refused.
//
// It returns an error and keeps the file if it is not loaded, is closed,
// is failing, is being rewritten (ErrRewriteRunning: try again once the
// rewrite is over), or cannot be written and synced. [Writer.Resume] takes
// a handed-over file back.
func (w *Writer) Handover() error {
	if !w.rewriting.CompareAndSwap(false, true) {
		return ErrRewriteRunning
	}
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	w.mu.Lock()
	var err error
	switch {
	case w.closed:
		err = ErrClosed
	case !w.opened:
		err = ErrNotLoaded
	case w.handedOver:
		err = ErrHandedOver
	case w.failErr != nil:
		err = fmt.Errorf("%w: %w", ErrFailing, w.failErr)
	}
	if err == nil {
		w.handedOver = true
	}
	w.mu.Unlock()
	if err == nil {
		if err = w.flushLocked(); err == nil {
			err = w.syncLocked()
		}
	}
	if err != nil {
		w.mu.Lock()
		if !errors.Is(err, ErrHandedOver) {
			w.handedOver = false
		}
		w.mu.Unlock()
		w.rewriting.Store(false)
		return err
	}
	if cerr := w.file.Close(); cerr != nil {
		// Written and synced already: nothing is lost, and the
		// successor opens the file anew.
		w.log.Warn().Err(cerr).Msg("closing the append-only file at handover")
	}
	w.file = nil
	w.unlockLocked()
	w.log.Info().Int64("size", w.written.Load()+w.sizeDelta.Load()).
		Msg("append-only file flushed, synced and handed over")
	return nil
}

// Resume takes back a file given away by Handover, when the process it
// was handed to never took it (an upgrade whose successor failed): it
// takes the lock again, checks that the file is as Handover left it, and
// reopens it for appending, so that appends and rewrites go on. It does
// nothing if the file is not handed over, and returns ErrClosed if the
// Writer has stopped since.
//
// It fails if another process holds the lock, or the file changed size
// since the handover (another process wrote to it): this Writer's view of
// the keyspace is then out of date and it must not append again; the
// server must stop.
func (w *Writer) Resume() error {
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	w.mu.Lock()
	handed, closed := w.handedOver, w.closed
	w.mu.Unlock()
	switch {
	case closed:
		return ErrClosed // stopped meanwhile: nothing to take back for
	case !handed:
		return nil
	}
	lock, err := lockPath(w.cfg.Path)
	if err != nil {
		return err
	}
	want := w.written.Load() + w.sizeDelta.Load()
	if fi, err := os.Stat(w.cfg.Path); err != nil || fi.Size() != want {
		closeLock(lock)
		if err == nil {
			err = fmt.Errorf("aof: %s is %d bytes, %d when it was handed over: another process wrote to it", w.cfg.Path, fi.Size(), want)
		}
		return err
	}
	f, err := w.cfg.OpenFile(w.cfg.Path)
	if err != nil {
		closeLock(lock)
		return fmt.Errorf("aof: reopening %s: %w", w.cfg.Path, err)
	}
	w.file, w.lock = f, lock
	w.mu.Lock()
	w.handedOver = false
	w.mu.Unlock()
	w.rewriting.Store(false)
	w.log.Info().Msg("append-only file taken back after a handover that did not happen")
	return nil
}
