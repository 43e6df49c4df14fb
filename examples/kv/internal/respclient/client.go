// Package respclient is a small Redis protocol client for the kv example's
// tests: commands go out as RESP arrays, replies come back as [Value]s, and
// commands can be pipelined with Send, Flush and Receive.
package respclient

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/seamgo/seam/examples/kv/resp"
)

// Value is one reply.
type Value struct {
	// Kind is the type byte: '+' simple, '-' error, ':' integer, '$'
	// bulk, '*' array, and RESP3's '%' map (Array holds key, value, key,
	// value...), '~' set, '>' push, ',' double (Str holds its text), '#'
	// boolean (Int 1 or 0), '_' null and '=' verbatim string (Str without
	// the format).
	Kind  byte
	Str   string
	Int   int64
	Array []Value
	Null  bool // a null bulk string or array
}

// String renders v compactly, for test failure messages.
func (v Value) String() string {
	switch {
	case v.Null:
		return "(nil)"
	case v.Kind == ':':
		return "(integer) " + strconv.FormatInt(v.Int, 10)
	case v.Kind == '-':
		return "(error) " + v.Str
	case v.Kind == ',':
		return "(double) " + v.Str
	case v.Kind == '#':
		return "(bool) " + strconv.FormatBool(v.Int == 1)
	case v.Kind == '%':
		parts := make([]string, 0, len(v.Array)/2)
		for i := 0; i+1 < len(v.Array); i += 2 {
			parts = append(parts, v.Array[i].String()+": "+v.Array[i+1].String())
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case v.Kind == '*', v.Kind == '~', v.Kind == '>':
		parts := make([]string, len(v.Array))
		for i, e := range v.Array {
			parts[i] = e.String()
		}
		open := "["
		if v.Kind != '*' {
			open = string(v.Kind) + "["
		}
		return open + strings.Join(parts, ", ") + "]"
	}
	return strconv.Quote(v.Str)
}

// Err returns the error reply as an error, nil for any other reply.
func (v Value) Err() error {
	if v.Kind == '-' {
		return errors.New(v.Str)
	}
	return nil
}

// Client is one connection. It is not safe for concurrent use.
type Client struct {
	conn net.Conn
	r    *bufio.Reader
	out  []byte
}

// Dial connects to addr.
func Dial(addr string) (*Client, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return New(conn), nil
}

// New returns a Client over conn.
func New(conn net.Conn) *Client {
	return &Client{conn: conn, r: bufio.NewReader(conn)}
}

// Conn returns the underlying connection.
func (c *Client) Conn() net.Conn { return c.conn }

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Send buffers a command.
func (c *Client) Send(args ...string) {
	bs := make([][]byte, len(args))
	for i, a := range args {
		bs[i] = []byte(a)
	}
	c.out = resp.AppendCommand(c.out, bs...)
}

// SendRaw buffers bytes as they are, for inline commands and malformed
// input.
func (c *Client) SendRaw(b []byte) { c.out = append(c.out, b...) }

// Flush writes what Send buffered.
func (c *Client) Flush() error {
	_, err := c.conn.Write(c.out)
	c.out = c.out[:0]
	return err
}

// Do sends one command and returns its reply. An error reply is a Value,
// not an error; the error is for the connection failing.
func (c *Client) Do(args ...string) (Value, error) {
	c.Send(args...)
	if err := c.Flush(); err != nil {
		return Value{}, err
	}
	return c.Receive()
}

// Receive reads one reply.
func (c *Client) Receive() (Value, error) {
	line, err := c.line()
	if err != nil {
		return Value{}, err
	}
	if len(line) == 0 {
		return Value{}, errors.New("respclient: empty reply line")
	}
	v := Value{Kind: line[0]}
	body := line[1:]
	switch v.Kind {
	case '+', '-':
		v.Str = body
	case ':':
		if v.Int, err = strconv.ParseInt(body, 10, 64); err != nil {
			return v, fmt.Errorf("respclient: bad integer %q", body)
		}
	case ',':
		v.Str = body
	case '#':
		if body != "t" && body != "f" {
			return v, fmt.Errorf("respclient: bad boolean %q", body)
		}
		if body == "t" {
			v.Int = 1
		}
	case '_':
		v.Null = true
	case '$', '=':
		n, err := length(body, "bulk")
		if err != nil || n < 0 {
			v.Null = n < 0
			return v, err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			return v, err
		}
		if buf[n] != '\r' || buf[n+1] != '\n' {
			return v, errors.New("respclient: bulk string not followed by CRLF")
		}
		v.Str = string(buf[:n])
		if v.Kind == '=' {
			if len(v.Str) < 4 || v.Str[3] != ':' {
				return v, fmt.Errorf("respclient: verbatim string without its format: %q", v.Str)
			}
			v.Str = v.Str[4:]
		}
	case '*', '%', '~', '>':
		n, err := length(body, "array")
		if err != nil || n < 0 {
			v.Null = n < 0
			return v, err
		}
		if v.Kind == '%' {
			n *= 2
		}
		v.Array = make([]Value, n)
		for i := range v.Array {
			if v.Array[i], err = c.Receive(); err != nil {
				return v, err
			}
		}
	default:
		return v, fmt.Errorf("respclient: unknown reply type %q", line)
	}
	return v, nil
}

// length reads the length of a bulk string or an array; a negative one is
// the null reply.
func length(body, what string) (int, error) {
	n, err := strconv.Atoi(body)
	if err != nil {
		return 0, fmt.Errorf("respclient: bad %s length %q", what, body)
	}
	return n, nil
}

func (c *Client) line() (string, error) {
	s, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(s, "\r\n") {
		return "", fmt.Errorf("respclient: line %q not ended by CRLF", s)
	}
	return s[:len(s)-2], nil
}
