package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// respConn is a Redis-protocol client on one connection: enough for
// PUBLISH, SUBSCRIBE and the frames a subscriber reads.
type respConn struct {
	c net.Conn
	r *bufio.Reader
}

func dialRESP(addr string) (*respConn, error) {
	c, err := net.DialTimeout("tcp", addr, waitLimit)
	if err != nil {
		return nil, err
	}
	return &respConn{c: c, r: bufio.NewReader(c)}, nil
}

func (c *respConn) Close() error { return c.c.Close() }

// do sends a command and reads its reply, within waitLimit.
func (c *respConn) do(args ...string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	c.c.SetDeadline(time.Now().Add(waitLimit))
	if _, err := io.WriteString(c.c, b.String()); err != nil {
		return "", err
	}
	return c.reply(time.Now().Add(waitLimit))
}

// reply reads one reply before deadline: a simple value as its text, an
// array as its elements joined by spaces, an error reply as an error.
func (c *respConn) reply(deadline time.Time) (string, error) {
	c.c.SetReadDeadline(deadline)
	line, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("empty reply line")
	}
	switch line[0] {
	case '-':
		return "", fmt.Errorf("server: %s", line[1:])
	case '*':
		n, _ := strconv.Atoi(line[1:])
		parts := make([]string, n)
		for i := range parts {
			if parts[i], err = c.reply(deadline); err != nil {
				return "", err
			}
		}
		return strings.Join(parts, " "), nil
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return "(nil)", nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return line[1:], nil
}
