// Command redconkv serves the kv example's store through
// github.com/tidwall/redcon, a Go peer of seam's kv example, for the
// benchmarks in bench/. It is a module of its own so that redcon never
// enters seam's go.mod: users of seam must not inherit a benchmark's peer.
//
// It answers the commands the benchmarks send (PING, ECHO, SET, GET, DEL,
// and CONFIG GET with an empty reply, which redis-benchmark asks at start)
// and speaks the harness's control protocol on stdin and stdout (package
// bench/internal/ctl); logs go to stderr.
//
//	redconkv -addr 127.0.0.1:0
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/tidwall/redcon"

	"github.com/seamgo/seam/bench/internal/ctl"
	"github.com/seamgo/seam/examples/kv/store"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "TCP address to listen on")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "redconkv:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	st := store.New(nil)
	srv := redcon.NewServerNetwork("tcp", addr, serve(st), nil, nil)
	srv.AcceptError = func(err error) {
		fmt.Fprintln(os.Stderr, "redconkv: accept:", err)
	}
	bound := make(chan error, 1)
	done := make(chan error, 1)
	go func() { done <- srv.ListenServeAndSignal(bound) }()
	if err := <-bound; err != nil {
		return err
	}
	stop := func() time.Time {
		srv.Close()
		<-done
		return time.Now()
	}
	return ctl.Serve(os.Stdin, os.Stdout, ctl.Server{Addr: srv.Addr().String(), Stop: stop})
}

// serve executes one command against st. redcon parses the request and
// buffers the replies of a whole pipeline before writing them.
func serve(st *store.Store) func(conn redcon.Conn, cmd redcon.Command) {
	return func(conn redcon.Conn, cmd redcon.Command) {
		args := cmd.Args
		name := args[0]
		switch {
		case is(name, "get"):
			if len(args) != 2 {
				wrongArgs(conn, name)
				return
			}
			if v, ok := st.Get(args[1]); ok {
				conn.WriteBulk(v)
			} else {
				conn.WriteNull()
			}
		case is(name, "set"):
			if len(args) != 3 {
				// The benchmarks send plain SETs; options are the kv
				// example's business.
				wrongArgs(conn, name)
				return
			}
			if _, _, _, err := st.Set(args[1], args[2], store.SetOptions{}, args); err != nil {
				conn.WriteError("ERR " + err.Error())
				return
			}
			conn.WriteString("OK")
		case is(name, "ping"):
			switch len(args) {
			case 1:
				conn.WriteString("PONG")
			case 2:
				conn.WriteBulk(args[1])
			default:
				wrongArgs(conn, name)
			}
		case is(name, "echo"):
			if len(args) != 2 {
				wrongArgs(conn, name)
				return
			}
			conn.WriteBulk(args[1])
		case is(name, "del"):
			n := 0
			for _, k := range args[1:] {
				if ok, err := st.Del(k, [][]byte{[]byte("DEL"), k}); err == nil && ok {
					n++
				}
			}
			conn.WriteInt(n)
		case is(name, "config"):
			conn.WriteArray(0)
		case is(name, "quit"):
			conn.WriteString("OK")
			conn.Close()
		default:
			conn.WriteError("ERR unknown command '" + string(name) + "'")
		}
	}
}

func is(name []byte, cmd string) bool { return bytes.EqualFold(name, []byte(cmd)) }

func wrongArgs(conn redcon.Conn, name []byte) {
	conn.WriteError("ERR wrong number of arguments for '" + string(bytes.ToLower(name)) + "' command")
}
