package respclient

import (
	"net"
	"testing"
)

func TestReceive(t *testing.T) {
	client, srv := net.Pipe()
	defer client.Close()
	defer srv.Close()
	go func() {
		srv.Write([]byte("+OK\r\n-ERR bad\r\n:42\r\n$3\r\na\r\n\r\n$-1\r\n*2\r\n$1\r\nx\r\n*-1\r\n*0\r\n"))
	}()
	c := New(client)
	for _, want := range []string{`"OK"`, "(error) ERR bad", "(integer) 42", `"a\r\n"`, "(nil)", `["x", (nil)]`, "[]"} {
		v, err := c.Receive()
		if err != nil || v.String() != want {
			t.Fatalf("Receive = %v, %v; want %s", v, err, want)
		}
		if (v.Err() != nil) != (v.Kind == '-') {
			t.Fatalf("Err() of %v", v)
		}
	}
}

func TestDoEncodes(t *testing.T) {
	client, srv := net.Pipe()
	defer client.Close()
	defer srv.Close()
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, 64)
		n, _ := srv.Read(buf)
		got <- string(buf[:n])
		srv.Write([]byte("+PONG\r\n"))
	}()
	v, err := New(client).Do("PING", "x y")
	if err != nil || v.Str != "PONG" {
		t.Fatalf("Do = %v, %v", v, err)
	}
	if have, want := <-got, "*2\r\n$4\r\nPING\r\n$3\r\nx y\r\n"; have != want {
		t.Fatalf("sent %q, want %q", have, want)
	}
}
