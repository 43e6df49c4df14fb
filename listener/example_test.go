package listener_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/thejerf/suture/v4"

	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/supervisor"
)

// A listener is a suture service: add it to a supervisor beside the rest
// of the program, wait until it is ready, and stop it by cancelling the
// supervisor's ctx.
func ExampleServer() {
	upper := listener.HandlerFunc(func(ctx context.Context, conn net.Conn) error {
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil {
			return err
		}
		_, err = io.WriteString(conn, strings.ToUpper(line))
		return err
	})
	srv := &listener.Server{Name: "upper", Addr: "127.0.0.1:0", Handler: upper}

	root := supervisor.New("app", supervisor.Config{})
	root.Add(srv)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := root.ServeBackground(ctx)
	<-srv.Ready()

	if conn, err := net.Dial("tcp", srv.BoundAddr().String()); err != nil {
		fmt.Println(err)
	} else {
		fmt.Fprintln(conn, "hello, tree")
		reply, _ := bufio.NewReader(conn).ReadString('\n')
		fmt.Print(reply)
		conn.Close()
	}

	cancel()
	<-stopped
	fmt.Println("accepted:", srv.Stats().Accepted)
	// Output:
	// HELLO, TREE
	// accepted: 1
}

// A handler that watches its ctx lets a graceful stop end it at once when
// it is waiting for the next request, instead of holding the stop until the
// drain timeout closes its connection by force.
func ExampleHandlerFunc() {
	echo := listener.HandlerFunc(func(ctx context.Context, conn net.Conn) error {
		// Cut a pending read short when the listener stops.
		stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(aLongTimeAgo) })
		defer stop()
		_, err := io.Copy(conn, conn)
		return err
	})
	srv := &listener.Server{Addr: "127.0.0.1:0", Handler: echo, DrainTimeout: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	<-srv.Ready()

	conn, err := net.Dial("tcp", srv.BoundAddr().String())
	if err != nil {
		fmt.Println(err)
		cancel()
		return
	}
	defer conn.Close()
	fmt.Fprintln(conn, "hello")
	r := bufio.NewReader(conn)
	line, _ := r.ReadString('\n')
	fmt.Print(line)

	cancel() // the client is idle: the stop does not wait for the hour
	fmt.Println("Serve:", <-served)
	_, err = r.ReadString('\n')
	fmt.Println("client:", err)
	// Output:
	// hello
	// Serve: <nil>
	// client: EOF
}

// aLongTimeAgo is a deadline already past: setting it makes a blocked
// read return at once.
var aLongTimeAgo = time.Unix(1, 0)

var _ suture.Service = (*listener.Server)(nil)
