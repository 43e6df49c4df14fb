package services

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/listener/seamtest"
)

// shelf is the state of an actor with several kinds of request.
type shelf struct {
	books map[string]int // title -> copies
}

func newShelfActor() *Actor[shelf, Op[shelf], any] {
	return &Actor[shelf, Op[shelf], any]{
		Name:   "shelf",
		Init:   func(context.Context) (shelf, error) { return shelf{books: map[string]int{}}, nil },
		Handle: RunOp[shelf],
	}
}

// Each kind of request gets its reply with its own type, errors included.
func TestAskRepliesWithEachRequestsType(t *testing.T) {
	a := newShelfActor()
	seamtest.Start(t, a)
	ctx := context.Background()

	copies, err := Ask(ctx, a, func(_ context.Context, s *shelf) (int, error) {
		s.books["Dune"]++
		return s.books["Dune"], nil
	})
	if err != nil || copies != 1 {
		t.Fatalf("add = %d, %v, want 1, nil", copies, err)
	}
	titles, err := Ask(ctx, a, func(_ context.Context, s *shelf) ([]string, error) {
		var out []string
		for title := range s.books {
			out = append(out, title)
		}
		return out, nil
	})
	if err != nil || len(titles) != 1 || titles[0] != "Dune" {
		t.Fatalf("titles = %q, %v, want [Dune], nil", titles, err)
	}
	// An interface reply that is nil comes back as nil, not as a panic.
	missing, err := Ask(ctx, a, func(_ context.Context, s *shelf) (error, error) {
		if s.books["Emma"] == 0 {
			return errors.New("no Emma"), nil
		}
		return nil, nil
	})
	if err != nil || missing == nil {
		t.Fatalf("lend Emma = %v, %v, want an answer that is an error", missing, err)
	}
	none, err := Ask(ctx, a, func(_ context.Context, s *shelf) (error, error) { return nil, nil })
	if err != nil || none != nil {
		t.Fatalf("a nil reply = %v, %v, want nil, nil", none, err)
	}
}

// A request that fails ends the incarnation, as a Handle's error does: its
// caller learns it, and the next incarnation starts from Init.
func TestAskFailureRestartsTheActor(t *testing.T) {
	a := newShelfActor()
	startSupervisor(t, a)
	seamtest.Recv(t, a.Ready(), "the actor to be ready")
	ctx := context.Background()
	first, _ := a.Incarnation()
	if _, err := Ask(ctx, a, func(_ context.Context, s *shelf) (int, error) {
		s.books["Dune"] = 7
		return 0, errors.New("shelf collapsed")
	}); !errors.Is(err, ErrActorRestarted) {
		t.Fatalf("failing request = %v, want ErrActorRestarted", err)
	}
	seamtest.Recv(t, first.Done(), "the failed incarnation to end")
	seamtest.Eventually(t, "a new incarnation", func() bool {
		inc, err := a.Incarnation()
		return err == nil && inc.Gen > first.Gen
	})
	copies, err := Ask(ctx, a, func(_ context.Context, s *shelf) (int, error) { return s.books["Dune"], nil })
	if err != nil || copies != 0 {
		t.Errorf("after the restart Dune has %d copies (%v), want 0 from Init", copies, err)
	}
}

func TestAskOnAStoppedActor(t *testing.T) {
	a := newShelfActor()
	if _, err := Ask(context.Background(), a, func(context.Context, *shelf) (int, error) { return 1, nil }); !errors.Is(err, ErrActorStopped) {
		t.Fatalf("Ask before Serve = %v, want ErrActorStopped", err)
	}
}

// slowShelf is a shelf actor and a connection handler in front of it:
// each line a client sends is a request to the actor, and "slow" waits in
// the actor until the test opens release.
type slowShelf struct {
	actor    *Actor[shelf, Op[shelf], any]
	inActor  chan struct{} // a slow request is being handled
	release  chan struct{}
	callErrs chan error // what each handler's Ask returned
}

func newSlowShelf(t *testing.T) *slowShelf {
	s := &slowShelf{
		actor:    newShelfActor(),
		inActor:  make(chan struct{}, 1),
		release:  make(chan struct{}),
		callErrs: make(chan error, 1),
	}
	seamtest.Start(t, s.actor)
	// The cleanups run last first: the release before the actor's stop,
	// so that a request still in the actor does not hold it.
	t.Cleanup(func() {
		select {
		case <-s.release:
		default:
			close(s.release)
		}
	})
	return s
}

// request dials addr and sends a request that waits in the actor; it
// returns once the request is there. The test's cleanup closes the
// connection.
func (s *slowShelf) request(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := io.WriteString(conn, "Dune\n"); err != nil {
		t.Fatal(err)
	}
	seamtest.Recv(t, s.inActor, "the request to reach the actor")
	return conn
}

func (s *slowShelf) ServeConn(ctx context.Context, conn net.Conn) error {
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	title := strings.TrimSpace(line)
	copies, err := Ask(listener.DrainContext(ctx), s.actor, func(_ context.Context, sh *shelf) (int, error) {
		s.inActor <- struct{}{}
		<-s.release
		sh.books[title]++
		return sh.books[title], nil
	})
	s.callErrs <- err
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(conn, "%d\n", copies)
	return err
}

// A handler that is in the middle of a Call when the stop begins still
// gets its reply, and sends it, since it called with DrainContext.
func TestCallWithDrainContextFinishesDuringTheDrain(t *testing.T) {
	sh := newSlowShelf(t)
	logs := seamtest.NewLogs(t)
	srv := &listener.Server{Addr: "127.0.0.1:0", Handler: sh, DrainTimeout: time.Minute, Logger: logs.Logger()}
	s := seamtest.Start(t, srv)
	conn := sh.request(t, s.Addr.String())

	s.Cancel()
	logs.WaitFor(t, "draining connections") // the handlers' ctx has ended
	close(sh.release)
	seamtest.RecvNil(t, sh.callErrs, "the Call to return")
	if err := conn.SetReadDeadline(time.Now().Add(seamtest.Wait)); err != nil {
		t.Fatal(err)
	}
	reply, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || reply != "1\n" {
		t.Fatalf("client read %q, %v, want the reply 1", reply, err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("Serve after cancel = %v, want nil", err)
	}
}

// A Call with DrainContext that is still waiting at the drain deadline is
// cancelled there, with the connection closed by force.
func TestCallWithDrainContextEndsAtTheForceClose(t *testing.T) {
	sh := newSlowShelf(t)
	srv := &listener.Server{Addr: "127.0.0.1:0", Handler: sh, DrainTimeout: time.Millisecond}
	s := seamtest.Start(t, srv)
	sh.request(t, s.Addr.String())

	if err := s.Stop(); err != nil {
		t.Fatalf("Serve after cancel = %v, want nil", err)
	}
	if err := seamtest.Recv(t, sh.callErrs, "the Call to return"); !errors.Is(err, context.Canceled) {
		t.Fatalf("the Call at the force close = %v, want context.Canceled", err)
	}
	if n := srv.Stats().ForceClosed; n != 1 {
		t.Errorf("Stats().ForceClosed = %d, want 1", n)
	}
}
