package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/seamgo/seam/examples/kv/aof"
	"github.com/seamgo/seam/handoff"
	"github.com/seamgo/seam/listener"
	"github.com/thejerf/suture/v4"
)

// handover is the upgrader that supervisor.Run drives when kv keeps an
// append-only file. Two processes cannot both hold the file: the
// successor must load it whole, and only once this process has stopped
// writing to it. So before it starts the successor, Upgrade quiesces this
// process: its listener stops accepting (the socket stays open, held for
// the successor, and connections wait in its backlog) and drains, every
// client getting the replies it is owed, and the file is written out,
// synced and unlocked. The successor then takes the lock, loads the file
// and starts accepting once its keyspace is whole, and this process exits
// as after any upgrade. If the successor fails, or is not ready within
// tableflip's upgrade timeout (a minute, after which it is killed), this
// process takes the file back and accepts again: the upgrade failed, and
// nothing was lost.
type handover struct {
	*handoff.Upgrader
	serving *pausable
	aof     *aof.Writer
	log     zerolog.Logger
}

// Upgrade quiesces this process, starts the successor and waits until it
// is ready (nil) or has failed (this process then serves again). Run calls
// it on a goroutine of its own.
func (h *handover) Upgrade() error {
	start := time.Now()
	if err := h.serving.pause(); err != nil {
		return err
	}
	if err := h.aof.Handover(); err != nil {
		h.serving.resume(nil)
		return fmt.Errorf("kv: upgrade: handing over the append-only file: %w", err)
	}
	h.log.Info().Stringer("quiesced_in", time.Since(start)).Msg("upgrade: stopped accepting, drained and handed the append-only file over; starting the successor")
	err := h.Upgrader.Upgrade()
	if err == nil {
		h.log.Info().Stringer("accepting_paused", time.Since(start)).Msg("upgrade: the successor has loaded the keyspace and accepts")
		return nil
	}
	if rerr := h.aof.Resume(); rerr != nil {
		// The successor may have written to the file: this keyspace
		// is out of date, and this process must not serve it.
		h.serving.resume(rerr)
		return errors.Join(err, rerr)
	}
	h.serving.resume(nil)
	return err
}

// pausable serves a listener that handover can stop and start again
// within the tree: its place in the supervisor.Group, its readiness and
// its stop order stay the listener's, while a pause ends the listener's
// Serve (which closes its listening socket, not the socket itself: the
// handoff.Upgrader holds a copy of it) and a resume serves it again.
type pausable struct {
	ln *listener.Server

	mu      sync.Mutex
	paused  bool
	stop    context.CancelFunc // ends the listener's Serve in progress
	stopped chan struct{}      // closed when that Serve has returned
	resumed chan error         // a resume's verdict: nil to serve again
}

func newPausable(ln *listener.Server) *pausable {
	return &pausable{ln: ln, resumed: make(chan error, 1)}
}

// Serve serves the listener until ctx ends, and across pauses. A resume
// with an error ends it with that error, wrapping
// suture.ErrTerminateSupervisorTree: the process cannot go on serving.
func (p *pausable) Serve(ctx context.Context) error {
	for {
		runCtx, stop := context.WithCancel(ctx)
		stopped := make(chan struct{})
		p.mu.Lock()
		p.stop, p.stopped = stop, stopped
		p.mu.Unlock()
		err := p.ln.Serve(runCtx)
		stop()
		p.mu.Lock()
		paused := p.paused
		p.stop = nil
		p.mu.Unlock()
		close(stopped)
		if ctx.Err() != nil || !paused {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case err := <-p.resumed:
			p.mu.Lock()
			p.paused = false
			p.mu.Unlock()
			if err != nil {
				return fmt.Errorf("kv: cannot serve again after a failed upgrade: %w: %w", err, suture.ErrTerminateSupervisorTree)
			}
		}
	}
}

// errNotServing refuses a pause of a listener that is not serving.
var errNotServing = errors.New("kv: upgrade: the listener is not serving")

// pause stops the listener gracefully and returns once its Serve has
// returned: no connection is left.
func (p *pausable) pause() error {
	p.mu.Lock()
	stop, stopped := p.stop, p.stopped
	if stop == nil || p.paused {
		p.mu.Unlock()
		return errNotServing
	}
	p.paused = true
	p.mu.Unlock()
	stop()
	<-stopped
	return nil
}

// resume ends a pause: the listener serves again if err is nil; otherwise
// Serve returns err and ends the tree.
func (p *pausable) resume(err error) { p.resumed <- err }

// Ready is the listener's: closed once it first accepts, and closed for
// good.
func (p *pausable) Ready() <-chan struct{} { return p.ln.Ready() }

// LiveWork is the listener's, for the stop report.
func (p *pausable) LiveWork() []string { return p.ln.LiveWork() }

// String names the service as the listener.
func (p *pausable) String() string { return p.ln.String() }

// keyspaceLoaded is the group's child that is ready once the append-only file
// is loaded. With the writer ready as soon as it holds the file's lock,
// the listener starts while the file loads (and answers -LOADING); this
// child keeps the group, and so /readyz and the signal that ends a
// previous process at an upgrade, not ready until the keyspace is whole.
type keyspaceLoaded struct{ aof *aof.Writer }

// Serve waits for the load to end, and returns its error if it failed:
// the group's start fails with it, naming this child, as it did when the
// writer was ready only once loaded. A loaded keyspace leaves nothing to
// do until ctx ends.
func (k keyspaceLoaded) Serve(ctx context.Context) error {
	if err := k.aof.WaitLoaded(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	<-ctx.Done()
	return nil
}

// Ready is closed once the file is loaded.
func (k keyspaceLoaded) Ready() <-chan struct{} { return k.aof.Loaded() }

// String names the service in logs and the tree.
func (k keyspaceLoaded) String() string { return "keyspace" }
