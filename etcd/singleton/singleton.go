package singleton

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/thejerf/suture/v4"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/seamgo/seam/internal/bind"
	"github.com/seamgo/seam/supervisor"
)

// defaultTTL is the lease's time to live when TTL is zero: how long the
// fleet may go without a leader after a crash, against how often a leader
// must reach etcd. etcd's own election timeout is 1s by default.
const defaultTTL = 10 * time.Second

// Service runs Child only while this instance leads the etcd election
// named Name, and stands by otherwise. A pointer to a Service is a
// suture.Service with a Ready method:
//
//	sup.Add(&singleton.Service{Name: "billing", Client: cli, Child: job})
//
// The fields are read when Serve starts; do not change them while it runs.
// Name, Client and Child are required.
type Service struct {
	// Name names the election, the Service in logs and String, and the
	// supervisor Child runs under. Every instance that must not run
	// Child at the same time as another uses the same Name.
	Name string

	// Client is the etcd client. The Service never closes it.
	Client *clientv3.Client

	// Child is what runs while this instance leads: any suture.Service,
	// a supervisor.Group or a suture.Supervisor. It runs under a
	// supervisor of its own, started at each term, that restarts it after
	// a failure without giving up leadership. Its ctx carries the term's
	// [Fence] (see [FromContext]).
	Child suture.Service

	// Prefix is the etcd key prefix of the election. Default
	// "/seam/singleton/" + Name + "/".
	Prefix string

	// TTL is the lease's time to live, in whole seconds (rounded up):
	// after a leader's crash, the next instance leads within TTL. etcd
	// may grant a longer one (its minimum is about 1.5 election
	// timeouts); the granted TTL is the one used. Default 10s.
	TTL time.Duration

	// Value is what the leader key holds, for people who look at etcd.
	// Default the host name and process id.
	Value string

	// StopTimeout bounds the stop of Child's supervisor (see
	// supervisor.Config.StopTimeout). Default the supervisor's.
	StopTimeout time.Duration

	// Logger receives role changes at info ("standing by: campaigning",
	// "leading", "no longer leading"), lost terms and etcd errors at
	// warn. The zero value logs nothing.
	Logger zerolog.Logger

	readyOnce sync.Once
	closeOnce sync.Once
	ready     chan struct{}

	mu    sync.Mutex
	role  Role
	fence Fence
	sup   *suture.Supervisor

	terms     atomic.Int64 // terms this instance has led
	lost      atomic.Int64 // terms that ended without a stop asking
	reclaimed atomic.Int64 // leases ahead of this instance that it revoked
}

// config is a Service's fields with their defaults filled in.
type config struct {
	prefix string
	ttl    int64 // seconds
	value  string
	log    zerolog.Logger
}

// resolve checks s and fills in defaults: the one place where s's fields
// get their meaning.
func (s *Service) resolve() (config, error) {
	switch {
	case s.Name == "":
		return config{}, fmt.Errorf("singleton: %w: a Service has no Name", supervisor.ErrBadConfig)
	case s.Client == nil:
		return config{}, fmt.Errorf("singleton: %w: %s has no Client", supervisor.ErrBadConfig, s.Name)
	case s.Child == nil:
		return config{}, fmt.Errorf("singleton: %w: %s has no Child", supervisor.ErrBadConfig, s.Name)
	case s.TTL < 0:
		return config{}, fmt.Errorf("singleton: %w: %s has TTL %v; want 0 or more", supervisor.ErrBadConfig, s.Name, s.TTL)
	}
	c := config{prefix: s.Prefix, value: s.Value, log: s.Logger.With().Str("election", s.Name).Logger()}
	if c.prefix == "" {
		c.prefix = "/seam/singleton/" + s.Name + "/"
	}
	ttl := s.TTL
	if ttl == 0 {
		ttl = defaultTTL
	}
	c.ttl = int64((ttl + time.Second - 1) / time.Second)
	if c.value == "" {
		host, _ := os.Hostname()
		c.value = fmt.Sprintf("%s/%d", host, os.Getpid())
	}
	return c, nil
}

// String returns Name, followed while Serve runs by the role, and the
// fencing token while leading: "billing [leader 42]". seam's /debug/tree
// names services by String, so the tree shows who leads.
func (s *Service) String() string {
	st := s.Stats()
	switch st.Role {
	case RoleLeader:
		return fmt.Sprintf("%s [leader %d]", s.Name, st.Fence.Revision)
	case RoleStandby:
		return s.Name + " [standby]"
	}
	return s.Name
}

// Ready returns a channel closed once Serve has started campaigning, and
// never reopened. Leadership does not make an instance more ready: a
// standby serves everything but Child. It may be called before Serve.
func (s *Service) Ready() <-chan struct{} {
	s.readyOnce.Do(func() { s.ready = make(chan struct{}) })
	return s.ready
}

// GetSupervisor returns the supervisor Child runs under during the
// current term, or nil while standing by, so that a walk of the tree
// (seam's /debug/tree) finds Child under the leader only.
func (s *Service) GetSupervisor() *suture.Supervisor {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sup
}

// Serve campaigns, runs Child while leading, and campaigns again after a
// term is lost, until ctx ends. Then it stops Child, revokes its lease
// (so another instance leads at once) and returns nil. An etcd that
// cannot be reached is retried in place with a backoff up to TTL, logged
// at warn: the Service stays ready meanwhile. A missing field is an error
// wrapping supervisor.ErrBadConfig and suture.ErrDoNotRestart, returned
// at once.
func (s *Service) Serve(ctx context.Context) error {
	c, err := s.resolve()
	if err != nil {
		s.Logger.Error().Err(err).Msg("singleton not started")
		return fmt.Errorf("%w%w", err, bind.DoNotRestart)
	}
	defer s.setRole(RoleStopped, Fence{}, nil)
	// Standing by before ready: a caller woken by Ready must not read
	// RoleStopped from a Service that serves.
	s.setRole(RoleStandby, Fence{}, nil)
	s.Ready()
	s.closeOnce.Do(func() { close(s.ready) })
	backoff := newBackoff(time.Duration(c.ttl) * time.Second)
	var left leftovers
	for {
		err := s.term(ctx, c, &left)
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			backoff.reset()
			continue
		}
		c.log.Warn().Err(err).Dur("retry_in", backoff.next()).Msg("etcd election interrupted")
		if !backoff.wait(ctx) {
			return nil
		}
	}
}

// Causes of a term's end, logged.
var (
	errLost       = errors.New("singleton: lease not renewed in time")
	errLeaseGone  = errors.New("singleton: lease revoked or expired in etcd")
	errChildEnded = errors.New("singleton: child's supervisor ended by itself")
)

// term is one lease: campaign on it, lead while it holds, then give it
// up. It returns nil when a term ended (lost or not) and the Service
// should campaign again at once, or the error that kept it from
// campaigning. Leases of earlier terms that could not be revoked are
// revoked once etcd grants this one, and this one joins them if its own
// revoke fails.
func (s *Service) term(ctx context.Context, c config, left *leftovers) error {
	s.setRole(RoleStandby, Fence{}, nil)
	gctx, cancel := context.WithTimeout(ctx, time.Duration(c.ttl)*time.Second)
	sent := time.Now()
	grant, err := s.Client.Grant(gctx, c.ttl)
	cancel()
	if err != nil {
		return fmt.Errorf("singleton: lease: %w", err)
	}
	l := &lease{client: s.Client, id: grant.ID, ttl: time.Duration(grant.TTL) * time.Second}
	l.renewed(sent)
	c.log.Info().Int64("ttl_seconds", grant.TTL).Msg("standing by: campaigning")
	// valid ends when the lease is in doubt; the renewals run until the
	// term ends.
	valid, lose := context.WithCancelCause(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		l.keep(valid, lose)
	}()
	defer wg.Wait()
	defer lose(nil)
	defer func() {
		if !l.revoke(ctx) {
			left.add(l.id)
			c.log.Warn().Str("lease", fmt.Sprintf("%x", int64(l.id))).
				Msg("lease not revoked, etcd out of reach: its key stays ahead in the election until revoked at the next term")
		}
	}()
	// While this lease is renewed beside it, so that a slow revoke
	// cannot cost this term.
	left.revoke(valid, s.Client)

	f, err := campaign(valid, s.Client, c.prefix, grant.ID, c.value, func(key string, id clientv3.LeaseID) {
		s.reclaimed.Add(1)
		c.log.Info().Str("key", key).Str("lease", fmt.Sprintf("%x", int64(id))).
			Msg("revoked the lease ahead: its holder stopped renewing it")
	})
	if err == nil {
		// The wait can end after the lease lapsed (its key deleted
		// with it), so the key must still be ours to lead.
		err = f.held(valid, s.Client)
	}
	if err != nil {
		if valid.Err() != nil {
			return s.ended(ctx, c, valid)
		}
		return err
	}
	s.lead(ctx, valid, c, f)
	lose(errChildEnded) // a no-op unless Child's supervisor ended by itself
	return s.ended(ctx, c, valid)
}

// ended logs why a lease was given up, if not for a stop.
func (s *Service) ended(ctx context.Context, c config, valid context.Context) error {
	if ctx.Err() != nil {
		return nil
	}
	c.log.Warn().Err(context.Cause(valid)).Msg("lease given up; campaigning again")
	return nil
}

// lead runs Child under a fresh supervisor until valid ends, and counts
// the term as lost unless ctx, the Service's own, ended it.
func (s *Service) lead(ctx, valid context.Context, c config, f Fence) {
	sup := supervisor.New(s.Name, supervisor.Config{Logger: s.Logger, StopTimeout: s.StopTimeout})
	sup.Add(s.Child)
	s.terms.Add(1)
	s.setRole(RoleLeader, f, sup)
	c.log.Info().Int64("fence", f.Revision).Str("key", f.Key).Msg("leading")
	err := sup.Serve(context.WithValue(valid, fenceKey{}, f))
	s.setRole(RoleStandby, Fence{}, nil)
	if ctx.Err() == nil {
		s.lost.Add(1)
	}
	if valid.Err() == nil {
		// A child returned suture.ErrTerminateSupervisorTree: the term
		// is given up, and the Service campaigns again.
		c.log.Warn().Err(err).Msg("child supervisor ended; resigning")
	}
	c.log.Info().Int64("fence", f.Revision).Msg("no longer leading")
}

func (s *Service) setRole(r Role, f Fence, sup *suture.Supervisor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.role, s.fence, s.sup = r, f, sup
}
