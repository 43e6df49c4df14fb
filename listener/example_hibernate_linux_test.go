package listener_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/supervisor"
)

// session is what a hibernating handler keeps for its client while the
// client is quiet: here, how many lines it has sent.
type session struct{ lines int }

// A handler hibernates an idle connection by returning Hibernate with its
// state when its wait says so, and takes the state back from Woken when
// the client's next bytes start it again. While the client is quiet the
// connection holds no goroutine.
func ExampleHibernate() {
	numbered := listener.HandlerFunc(func(ctx context.Context, conn net.Conn) error {
		s := &session{}
		if v, ok := listener.Woken(ctx); ok {
			s = v.(*session)
		}
		var w listener.Waiter
		w.Reset(conn)
		for {
			if err := w.Wait(); errors.Is(err, listener.ErrHibernate) {
				return listener.Hibernate(s)
			} else if err != nil {
				return err
			}
			// One byte at a time, so that nothing is left buffered in
			// the handler when it hibernates.
			var line []byte
			for b := make([]byte, 1); len(line) == 0 || line[len(line)-1] != '\n'; {
				if _, err := io.ReadFull(conn, b); err != nil {
					return err
				}
				line = append(line, b[0])
			}
			s.lines++
			fmt.Fprintf(conn, "%d: %s", s.lines, line)
		}
	})
	srv := &listener.Server{Addr: "127.0.0.1:0", Handler: numbered, HibernateAfter: 10 * time.Millisecond}
	root := supervisor.New("app", supervisor.Config{})
	root.Add(srv)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := root.ServeBackground(ctx)
	<-srv.Ready()

	c, _ := net.Dial("tcp", srv.BoundAddr().String())
	r := bufio.NewReader(c)
	for _, line := range []string{"good\n", "night\n"} {
		io.WriteString(c, line)
		reply, _ := r.ReadString('\n')
		fmt.Print(reply)
		for srv.Stats().Hibernated == 0 { // the client is quiet: it hibernates
			time.Sleep(time.Millisecond)
		}
	}
	st := srv.Stats()
	fmt.Println("hibernations:", st.Hibernations >= 2, "wakes:", st.Wakes >= 1)
	c.Close()
	cancel()
	<-stopped
	// Output:
	// 1: good
	// 2: night
	// hibernations: true wakes: true
}

// With HibernateAtAccept a new connection is born asleep: the handler
// first runs when the client first writes, so clients that connect and
// wait, as a pool's spare connections do, hold no goroutine.
func ExampleServer_hibernateAtAccept() {
	echo := listener.HandlerFunc(func(ctx context.Context, conn net.Conn) error {
		_, err := io.Copy(conn, conn)
		return err
	})
	srv := &listener.Server{
		Addr:              "127.0.0.1:0",
		Handler:           echo,
		HibernateAfter:    time.Minute,
		HibernateAtAccept: func(net.Conn) bool { return true }, // the client speaks first
	}
	root := supervisor.New("app", supervisor.Config{})
	root.Add(srv)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := root.ServeBackground(ctx)
	<-srv.Ready()

	var spares []net.Conn
	for range 3 {
		c, _ := net.Dial("tcp", srv.BoundAddr().String())
		spares = append(spares, c)
	}
	for srv.Stats().Hibernated < 3 { // accepted, and parked
		time.Sleep(time.Millisecond)
	}
	fmt.Println("asleep:", srv.Stats().Hibernated, "wakes:", srv.Stats().Wakes)

	io.WriteString(spares[0], "hello\n")
	reply, _ := bufio.NewReader(spares[0]).ReadString('\n')
	fmt.Print(reply)
	fmt.Println("asleep:", srv.Stats().Hibernated, "wakes:", srv.Stats().Wakes)
	for _, c := range spares {
		c.Close()
	}
	cancel()
	<-stopped
	// Output:
	// asleep: 3 wakes: 0
	// hello
	// asleep: 2 wakes: 1
}
