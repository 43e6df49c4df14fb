package aof

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// RewriterConfig configures a [Rewriter].
type RewriterConfig struct {
	// Writer is the file to rewrite. Required.
	Writer *Writer
	// Dump writes the keyspace to the sink and calls its Finish: the kv
	// server's store.Rewrite. Required.
	Dump func(ctx context.Context, sink *RewriteSink) error
	// Percentage is Redis's auto-aof-rewrite-percentage: rewrite when the
	// file has grown by this much over its size after the last rewrite
	// (or at load). 0 turns the automatic rewrite off.
	Percentage int
	// MinSize is Redis's auto-aof-rewrite-min-size: no automatic rewrite
	// of a file smaller than this.
	MinSize int64
	// Logger receives nothing of its own yet; the Writer logs each rewrite.
	Logger zerolog.Logger

	// check is how often the file's growth is checked; 0 means a second,
	// Redis's serverCron pace for the same check.
	check time.Duration
}

// Rewriter is the suture service that rewrites the file: on request
// (BGREWRITEAOF) and when it has grown past RewriterConfig.Percentage. A
// rewrite runs on Serve's goroutine, so stopping the Rewriter stops the
// rewrite with it (between two shards of the dump, leaving the old file
// live and removing the new one) before Serve returns. It belongs after
// the Writer in a supervisor.Group: it starts once the file is loaded and
// stops before the Writer's final flush.
type Rewriter struct {
	cfg       RewriterConfig
	requests  chan struct{}
	scheduled atomic.Bool
}

// NewRewriter returns a Rewriter for cfg, or an error wrapping
// ErrBadConfig.
func NewRewriter(cfg RewriterConfig) (*Rewriter, error) {
	switch {
	case cfg.Writer == nil || cfg.Dump == nil:
		return nil, fmt.Errorf("%w: a Rewriter needs a Writer and a Dump", ErrBadConfig)
	case cfg.Percentage < 0 || cfg.MinSize < 0:
		return nil, fmt.Errorf("%w: rewrite percentage %d and min size %d must not be negative", ErrBadConfig, cfg.Percentage, cfg.MinSize)
	}
	if cfg.check == 0 {
		cfg.check = time.Second
	}
	return &Rewriter{cfg: cfg, requests: make(chan struct{}, 1)}, nil
}

// String names the service in suture's logs.
func (r *Rewriter) String() string { return "aof rewrite" }

// Request schedules a rewrite (BGREWRITEAOF) and returns at once. It
// returns ErrRewriteRunning if one is running or already scheduled.
func (r *Rewriter) Request() error {
	if r.cfg.Writer.rewriting.Load() || !r.scheduled.CompareAndSwap(false, true) {
		return ErrRewriteRunning
	}
	r.requests <- struct{}{} // cannot block: scheduled guards the one slot
	return nil
}

// Scheduled reports whether a requested rewrite has not begun yet.
func (r *Rewriter) Scheduled() bool { return r.scheduled.Load() }

// Serve runs rewrites until ctx ends. A failed rewrite leaves the old file
// in use and is reported in the Writer's Status; Serve carries on (the
// next growth check or request tries again), so it only returns, nil,
// when ctx ends.
func (r *Rewriter) Serve(ctx context.Context) error {
	tick := time.NewTicker(r.cfg.check)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-r.requests:
		case <-tick.C:
			if !r.due() {
				continue
			}
		}
		// A request that came during an automatic rewrite is served by it.
		select {
		case <-r.requests:
		default:
		}
		r.scheduled.Store(false)
		_ = r.cfg.Writer.Rewrite(ctx, r.cfg.Dump)
	}
}

// due reports whether the file has grown enough for an automatic rewrite,
// as Redis's serverCron judges it.
func (r *Rewriter) due() bool {
	if r.cfg.Percentage == 0 {
		return false
	}
	st := r.cfg.Writer.Status()
	if st.Failing || st.Closed || st.Size < r.cfg.MinSize {
		return false
	}
	base := max(st.BaseSize, 1)
	return (st.Size*100/base)-100 >= int64(r.cfg.Percentage)
}
