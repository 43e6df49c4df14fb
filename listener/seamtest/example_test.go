package seamtest_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/listener/seamtest"
)

// greet is the handler under test.
func greet(ctx context.Context, c net.Conn) error {
	name, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c, "hello, %s", name)
	return err
}

// Example is a whole test of a handler: in a _test.go file, the body is
// that of func TestGreet(t *testing.T). It is compiled with the package's
// tests but not run: a runnable example has no *testing.T to give it.
func Example() {
	var t *testing.T // in TestGreet, the test's own
	logs := seamtest.NewLogs(t)
	srv := seamtest.Start(t, &listener.Server{
		Addr:    "127.0.0.1:0",
		Handler: listener.HandlerFunc(greet),
		Logger:  logs.Logger(),
	})
	c := seamtest.Dial(t, srv.Addr)
	io.WriteString(c, "seam\n")
	reply, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || reply != "hello, seam\n" {
		t.Fatalf("reply %q, %v", reply, err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if ev := logs.WaitFor(t, "stopped"); ev["level"] != "info" {
		t.Fatalf("the stop was logged as %v", ev)
	}
}

// Logs turns a logger's lines into events a test can look for by message
// and check field by field.
func ExampleLogs() {
	var logs seamtest.Logs
	log := logs.Logger()
	log.Info().Str("addr", "127.0.0.1:6380").Msg("listening")
	log.Warn().Int("conns", 3).Msg("drain timeout passed; connections closed by force")

	for _, ev := range logs.Events("drain") {
		fmt.Println(ev["level"], ev["conns"])
	}
	fmt.Println(logs.Events("listening")[0]["addr"])
	// Output:
	// warn 3
	// 127.0.0.1:6380
}
