package server

import (
	"errors"
	"fmt"
)

// Replay applies one record of the append-only file: it runs it as a
// command of a connection that journals nothing and has no client, and
// returns the command's error reply as an error. Only write commands are
// accepted: anything else in the file means it is not what this server
// wrote. Replay is the aof.Writer's replay function (Config.Replay, or
// the argument of Load), run before the server starts serving; it is not
// safe for concurrent use.
func (h *Handler) Replay(args [][]byte) error {
	c := h.replayer()
	cmd := c.lookup(args[0])
	// SELECT is no write, but the file has one before the records of
	// another database than the last (see aof.Writer.AppendDB).
	if cmd == nil || cmd.flags&flagWrite == 0 && cmd.name != "select" {
		return fmt.Errorf("%q is not a write command", args[0])
	}
	c.w.Discard()
	c.call(cmd, args)
	out := c.w.Bytes()
	if len(out) > 0 && out[0] == '-' {
		return errors.New(string(out[1 : len(out)-2]))
	}
	return nil
}

// replayer is the connection Replay runs commands on, made once.
func (h *Handler) replayer() *conn {
	if h.replay == nil {
		c := h.pool.New().(*conn)
		c.replay = true
		h.replay = c
	}
	return h.replay
}
