package aof

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/supervisor"
)

// Errors of the Writer.
var (
	// ErrClosed is returned by Append after the writer stopped, and by
	// Commit for records that did not reach the file before it did.
	ErrClosed = errors.New("aof: closed")
	// ErrNotLoaded is returned by Append before the file is loaded, and by
	// Serve when it has no Config.Replay to load it with.
	ErrNotLoaded = errors.New("aof: not loaded")
	// ErrFailing is returned by Append and Commit while writing to the
	// file fails; it wraps the file's error.
	ErrFailing = errors.New("aof: writing the append-only file is failing")
	// ErrBadConfig is returned by New for a Config it cannot use. It
	// wraps supervisor.ErrBadConfig, seam's one sentinel for a bad
	// configuration.
	ErrBadConfig = fmt.Errorf("aof: %w", supervisor.ErrBadConfig)
)

// Fsync is when the file is synced to disk: Redis's appendfsync.
type Fsync uint8

// The fsync policies. The zero value is Redis's default, everysec.
const (
	FsyncEverySec Fsync = iota // once a second: a crash of the machine loses at most about a second
	FsyncAlways                // before every acknowledgement
	FsyncNo                    // when the operating system decides
)

// ParseFsync reads an fsync policy as Redis names it: always, everysec, no.
func ParseFsync(s string) (Fsync, error) {
	switch s {
	case "always":
		return FsyncAlways, nil
	case "everysec":
		return FsyncEverySec, nil
	case "no":
		return FsyncNo, nil
	}
	return 0, fmt.Errorf("%w: fsync policy %q is not one of always, everysec, no", ErrBadConfig, s)
}

// String returns the policy's Redis name.
func (f Fsync) String() string {
	switch f {
	case FsyncAlways:
		return "always"
	case FsyncNo:
		return "no"
	}
	return "everysec"
}

// File is what the Writer writes to; *os.File is one.
type File interface {
	io.Writer
	Sync() error
	Close() error
}

// keepBufSize is the largest write buffer kept after a flush.
const keepBufSize = 4 << 20

// Config configures a [Writer].
type Config struct {
	// Path is the append-only file. Required.
	Path string
	// Fsync is the fsync policy.
	Fsync Fsync
	// Logger receives failures, recoveries and the stop; the zero value
	// logs nothing.
	Logger zerolog.Logger
	// Replay is how Serve loads the file on its first start, unless Load
	// was called before: it is called with each record's arguments (valid
	// only during the call), in order, on Serve's goroutine. An error
	// makes the record a [*CorruptError]. Serve needs it when Load is not
	// called.
	Replay func(args [][]byte) error
	// Loaded, if set, is called once the file is loaded (by Load or by
	// Serve), with what the replay did, before [Writer.Ready] closes: the
	// place to end what was set up for the replay, before anything that
	// waits for readiness starts.
	Loaded func(LoadResult)
	// ReadyOnLock makes [Writer.Ready] close as soon as the first start
	// holds the file's lock, before the replay, rather than after it:
	// what a group starts after the Writer (a listener) then runs while
	// the file loads, and [Writer.Loaded] tells when the keyspace is in.
	// A replay that fails then ends Serve with an error wrapping
	// suture.ErrTerminateSupervisorTree, which ends the tree, since the
	// start can no longer fail it.
	ReadyOnLock bool
	// OpenFile opens the file for appending; nil means os.OpenFile with
	// O_WRONLY|O_APPEND|O_CREATE. It is how the tests put a failing disk
	// under the Writer.
	OpenFile func(path string) (File, error)
}

// Writer appends records to the file and is the suture service that keeps
// it: it syncs once a second, reopens the file after a failure, and flushes
// and closes it at stop. Its methods are safe for concurrent use.
type Writer struct {
	cfg Config
	log zerolog.Logger

	// mu guards the records appended and the states that refuse appends.
	// It is held only to add a record to buf (or by Keep and Release, to
	// note a slice), so that Append, called under a store shard's lock,
	// stays quick.
	mu       sync.Mutex
	buf      resp.Batch    // appended, not yet taken by a flush
	kept     map[*byte]int // big slices that never change, by address: their length (see Keep)
	opened   bool
	loading  bool // a load has begun: a Writer loads once, even if that failed
	closed   bool
	failErr  error // the write error that has not been recovered from yet
	appended atomic.Int64
	// selected is the database of the last record in the file's stream
	// (Redis's aof_selected_db): AppendDB writes a SELECT before a record
	// of another. -1, at the start and after a rewrite, makes the next
	// record select its database whatever it is.
	selected int

	// flushMu serialises writes to the file, syncs from Commit, and the
	// swapping of the file itself.
	flushMu sync.Mutex
	file    File
	lock    *os.File   // holds the file's flock from load to stop (lock.go)
	pending resp.Batch // taken from buf, not yet (all) written
	skip    int64      // bytes at the start of pending already written, by a write that failed part way
	written atomic.Int64
	synced  atomic.Int64

	// The rewrite (rewrite.go). rw is the one in progress, guarded by mu:
	// while it is set, the store's writes to keys already dumped reach it
	// through RewriteSink.Append.
	rw            *RewriteSink
	rewriting     atomic.Bool
	rewriteStart  atomic.Int64 // unix nanoseconds; 0 when none runs
	lastRewrite   atomic.Int64 // seconds the last rewrite took; -1 before the first
	rewrites      atomic.Int64
	rewriteFailed atomic.Bool
	sizeDelta     atomic.Int64 // the file's size minus appended: offsets stay monotonic across rewrites
	baseSize      atomic.Int64 // the file's size after the last rewrite, or at load

	failures atomic.Uint64
	lastErr  atomic.Pointer[string]
	failed   chan struct{} // wakes Serve after a failure elsewhere
	ready    chan struct{} // closed once the file is loaded, or locked with ReadyOnLock
	loaded   chan struct{} // closed once the file is loaded
	loadEnd  chan struct{} // closed once a load has ended, loaded or failed
	loadErr  error         // why it failed; set before loadEnd closes
	endLoad  sync.Once

	// The replay's progress, for INFO's loading_* fields (load.go).
	loadingNow  atomic.Bool
	loadStart   atomic.Int64 // unix seconds
	loadTotal   atomic.Int64 // the file's size when the replay began
	loadedBytes atomic.Int64

	handedOver bool // guarded by mu: Handover gave the file away (handover.go)
}

// New returns a Writer for cfg. It touches nothing on disk: the file is
// loaded by Serve's first start (through Config.Replay), or by
// [Writer.Load] before it; Append refuses records until then.
func New(cfg Config) (*Writer, error) {
	if cfg.Path == "" {
		return nil, fmt.Errorf("%w: Path is empty", ErrBadConfig)
	}
	if cfg.Fsync > FsyncNo {
		return nil, fmt.Errorf("%w: unknown fsync policy %d", ErrBadConfig, cfg.Fsync)
	}
	if cfg.OpenFile == nil {
		cfg.OpenFile = openAppend
	}
	w := &Writer{
		selected: -1,
		cfg:      cfg,
		log:      cfg.Logger.With().Str("aof", cfg.Path).Logger(),
		failed:   make(chan struct{}, 1),
		ready:    make(chan struct{}),
		loaded:   make(chan struct{}),
		loadEnd:  make(chan struct{}),
	}
	w.lastRewrite.Store(-1)
	return w, nil
}

func openAppend(path string) (File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
}

// String names the service in suture's logs.
func (w *Writer) String() string { return "aof " + w.cfg.Path }

// Fsync returns the writer's fsync policy.
func (w *Writer) Fsync() Fsync { return w.cfg.Fsync }

// Ready returns a channel that is closed once the file is loaded (its
// records replayed, Config.Loaded called) and open for appending, by Load
// or by Serve's first start; with Config.ReadyOnLock, as soon as that
// start holds the file's lock. It stays closed through failures, restarts
// and the stop. A supervisor.Group starts the services after the Writer
// only then: without ReadyOnLock nothing serves a keyspace still being
// rebuilt; with it, they must wait for [Writer.Loaded] themselves.
func (w *Writer) Ready() <-chan struct{} { return w.ready }

// Loaded returns a channel that is closed once the file is loaded: its
// records replayed, Config.Loaded called, the file open for appending. It
// is Ready's channel unless Config.ReadyOnLock is set.
func (w *Writer) Loaded() <-chan struct{} { return w.loaded }

// WaitLoaded blocks until the first load of the file has ended and
// returns nil if it loaded, the load's error if it failed (a
// [*CorruptError], a lock held elsewhere), or ctx's error if ctx ends
// first. It is how a service that must not be ready before the keyspace is
// whole learns of a load that failed after Ready (with Config.ReadyOnLock)
// and fails the start with it.
func (w *Writer) WaitLoaded(ctx context.Context) error {
	select {
	case <-w.loadEnd:
		return w.loadErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// endLoading records the end of the first load: err is its failure, or
// nil. Later calls do nothing.
func (w *Writer) endLoading(err error) {
	w.endLoad.Do(func() {
		w.loadErr = err
		close(w.loadEnd)
	})
}

// Append adds one record (a command's arguments) to the file's buffer. It
// returns ErrNotLoaded before the file is loaded, ErrClosed after the stop, and an error
// wrapping ErrFailing while writes to the file fail; the caller must then
// not apply the write. Append never blocks on the disk.
//
// Append is for records that do not depend on the database selected (or
// for a server with one database): [Writer.AppendDB] is for those that do.
func (w *Writer) Append(rec [][]byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.appendLocked(-1, rec)
}

// AppendDB is Append for a record that applies to database db: when the
// record before it in the file applied to another, a SELECT db comes
// first, as in Redis's append-only file, and a replay that follows the
// SELECTs applies every record to its database.
func (w *Writer) AppendDB(db int, rec [][]byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.appendLocked(db, rec)
}

// AppendAllDB is AppendDB for the records of one write that journals
// several (a stream read of a group journals a claim per entry and the
// group's new last ID): it appends all of them, in order, or none. Records
// appended one at a time could be split by a failure of the file between
// two of them, which would leave in the file part of a write that was
// refused, for a replay to apply.
func (w *Writer) AppendAllDB(db int, recs [][][]byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.appendLocked(db, recs...)
}

var wordSelect = []byte("SELECT")

// appendLocked is AppendAllDB with mu held; db -1 selects nothing. The
// state is checked once, before the first record, so that recs go in
// together or not at all.
func (w *Writer) appendLocked(db int, recs ...[][]byte) error {
	switch {
	case w.closed:
		return ErrClosed
	case !w.opened:
		return ErrNotLoaded
	case w.handedOver:
		return ErrHandedOver
	case w.failErr != nil:
		return fmt.Errorf("%w: %w", ErrFailing, w.failErr)
	}
	n := w.buf.Len()
	if db >= 0 && db != w.selected && len(recs) > 0 {
		w.buf.AppendCommand([][]byte{wordSelect, strconv.AppendInt(nil, int64(db), 10)}, nil)
		w.selected = db
	}
	keep := w.keptLocked()
	for _, rec := range recs {
		w.buf.AppendCommand(rec, keep)
	}
	w.appended.Add(w.buf.Len() - n)
	return nil
}

// Keep declares that the bytes of b will never change again, so that a
// record appended with b as an argument may refer to it until it is
// written instead of copying it; Release(b) ends the declaration. It is
// for big arguments (resp.BigArg bytes or more; smaller ones are always
// copied) that a resp.Reader read into buffers of their own
// ([resp.Reader.Owned]): the Reader never reads into such a buffer again,
// and the store, which may keep one as a value, never writes within a
// value's length (APPEND grows a value only past its end; INCR and SET
// replace it). The kv server keeps a command's owned arguments while it
// runs.
//
// Nothing else is referenced: an argument not kept may alias a buffer
// that is reused (the Reader's, for the next command; a scratch slice), so
// Append copies it, as a record must not change between its Append and
// its write, which may come after several more commands (a pipeline is
// committed once), or after a failure and recovery.
//
// The declaration concerns b's first byte: a record's argument that starts
// there and is no longer than b is referenced.
func (w *Writer) Keep(b []byte) {
	if len(b) < resp.BigArg {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.kept == nil {
		w.kept = make(map[*byte]int)
	}
	w.kept[&b[0]] = len(b)
}

// Release ends Keep(b), so that the Writer no longer holds b for records
// still to come. Records that referred to b keep it until they are
// written.
func (w *Writer) Release(b []byte) {
	if len(b) < resp.BigArg {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.kept, &b[0])
}

// keptLocked returns the test of which big arguments a record may refer
// to, for resp.Batch.AppendCommand: nil, so that all are copied, while
// nothing is kept (the common case pays no lookup per argument). mu must
// be held.
func (w *Writer) keptLocked() func([]byte) bool {
	if len(w.kept) == 0 {
		return nil
	}
	return w.isKept
}

// isKept reports whether a, of resp.BigArg bytes or more, lies within a
// kept slice. mu must be held.
func (w *Writer) isKept(a []byte) bool {
	n, ok := w.kept[&a[0]]
	return ok && len(a) <= n
}

// Appended returns the offset just past the last record appended: what a
// Commit must reach to cover every record appended so far. It is the file's
// offset until the first rewrite; after it, a position in the stream of
// records, which keeps growing across rewrites.
func (w *Writer) Appended() int64 { return w.appended.Load() }

// Commit returns once the records up to offset upTo (a value of Appended
// taken after them) are written to the file (handed to the operating
// system) and, with FsyncAlways, synced to disk. Concurrent Commits share
// the writes and fsyncs. A server calls it before sending the replies of
// writes; an error means they must not be acknowledged.
func (w *Writer) Commit(upTo int64) error {
	sync := w.cfg.Fsync == FsyncAlways
	done := &w.written
	if sync {
		done = &w.synced
	}
	if done.Load() >= upTo {
		return nil
	}
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	if done.Load() >= upTo {
		return nil // another Commit's write (or fsync) covered ours
	}
	err := w.flushLocked()
	if err == nil && sync {
		err = w.syncLocked()
	}
	return err
}

// flushLocked writes everything appended so far. flushMu must be held.
func (w *Writer) flushLocked() error {
	w.mu.Lock()
	if w.pending.Len() == 0 {
		w.pending, w.buf = w.buf, w.pending // pending was reset: buf is empty
	} else {
		// A failed write left a remainder; the new records go after
		// it. Only their small bytes are copied.
		w.pending.AppendBatch(&w.buf)
		w.buf.Reset(keepBufSize)
	}
	closed, failErr := w.closed, w.failErr
	w.mu.Unlock()
	if w.pending.Len() == w.skip {
		w.resetPending()
		return nil
	}
	if w.file == nil {
		if failErr != nil {
			return fmt.Errorf("%w: %w", ErrFailing, failErr)
		}
		if closed {
			return ErrClosed
		}
		return ErrNotLoaded
	}
	// After a failure, the write resumes where the failed one stopped,
	// which may be in the middle of a big argument.
	n, err := w.pending.WriteTo(w.file, w.skip)
	w.written.Add(n)
	if err != nil {
		w.skip += n
		return w.fail("write", err)
	}
	w.resetPending()
	return nil
}

// resetPending empties pending, letting go of the big arguments it
// referred to and of a buffer a burst grew: it must not pin their memory.
// flushMu must be held.
func (w *Writer) resetPending() {
	w.pending.Reset(keepBufSize)
	w.skip = 0
}

// syncLocked fsyncs what has been written. flushMu must be held.
func (w *Writer) syncLocked() error {
	end := w.written.Load()
	if w.synced.Load() >= end {
		return nil
	}
	if w.file == nil {
		return ErrClosed
	}
	if err := w.file.Sync(); err != nil {
		return w.fail("fsync", err)
	}
	w.synced.Store(end)
	return nil
}

// fail records a failure of the file, refuses appends until Serve has
// recovered, and wakes Serve so that it ends and the tree restarts it.
func (w *Writer) fail(op string, err error) error {
	err = fmt.Errorf("%s %s: %w", op, w.cfg.Path, err)
	w.mu.Lock()
	first := w.failErr == nil
	if first {
		// Counted before appends are refused, so that anyone who sees a
		// refusal also sees the failure in Status.
		w.countFailure(err)
		w.failErr = err
	}
	w.mu.Unlock()
	if first {
		w.log.Error().Err(err).Msg("append-only file failing; refusing writes until the writer recovers")
		select {
		case w.failed <- struct{}{}:
		default:
		}
	}
	return fmt.Errorf("%w: %w", ErrFailing, err)
}

// countFailure records a failure in Status: the count and the last error.
func (w *Writer) countFailure(err error) {
	w.failures.Add(1)
	msg := err.Error()
	w.lastErr.Store(&msg)
}

// Status is the writer's state for INFO's persistence section.
type Status struct {
	Path      string
	Fsync     Fsync
	Size      int64  // bytes in the file, counting those still buffered
	Buffered  int64  // bytes appended but not yet written to the file
	Unsynced  int64  // bytes written but not yet known to be on disk
	Failing   bool   // writing fails at present: appends are refused
	LastError string // the most recent failure, "" if none ever
	Failures  uint64 // failed writes, fsyncs and reopens since start
	Closed    bool

	BaseSize          int64 // the file's size after the last rewrite (or at load)
	RewriteInProgress bool
	RewriteScheduled  bool  // set by a Rewriter: requested, not yet begun
	RewriteSecs       int64 // how long the rewrite in progress has run; -1 if none
	LastRewriteSecs   int64 // how long the last rewrite took; -1 before the first
	LastRewriteFailed bool
	Rewrites          int64 // rewrites attempted since start

	// The replay in progress, as Redis's INFO loading_* fields.
	Loading            bool
	LoadingStartTime   int64 // unix seconds
	LoadingTotalBytes  int64
	LoadingLoadedBytes int64
}

// Status returns a snapshot of the writer's state.
func (w *Writer) Status() Status {
	w.mu.Lock()
	failing, closed := w.failErr != nil, w.closed
	w.mu.Unlock()
	st := Status{
		Path:     w.cfg.Path,
		Fsync:    w.cfg.Fsync,
		Size:     w.appended.Load() + w.sizeDelta.Load(),
		Buffered: w.appended.Load() - w.written.Load(),
		Unsynced: w.written.Load() - w.synced.Load(),
		Failing:  failing,
		Failures: w.failures.Load(),
		Closed:   closed,
	}
	if p := w.lastErr.Load(); p != nil {
		st.LastError = *p
	}
	st.BaseSize = w.baseSize.Load()
	st.RewriteSecs = -1
	if t := w.rewriteStart.Load(); t != 0 {
		st.RewriteInProgress = true
		st.RewriteSecs = int64(time.Since(time.Unix(0, t)) / time.Second)
	}
	st.LastRewriteSecs = w.lastRewrite.Load()
	st.LastRewriteFailed = w.rewriteFailed.Load()
	st.Rewrites = w.rewrites.Load()
	if w.loadingNow.Load() {
		st.Loading = true
		st.LoadingStartTime = w.loadStart.Load()
		st.LoadingTotalBytes = w.loadTotal.Load()
		st.LoadingLoadedBytes = w.loadedBytes.Load()
	}
	return st
}
