package server

// Replies whose RESP3 type differs from RESP2's array, shared by the
// commands that reply with them.

// armWriter readies the connection's Writer for it: the protocol HELLO
// chose, which the connection keeps (st.proto) so that a Writer handed
// to it anew (from a pool, after a Reset) speaks it too, and the hook
// that counts its error replies (cmdstats.go). Whatever gives a
// connection a Writer calls it.
func (c *conn) armWriter() {
	c.w.SetProto(int(c.st.proto.Load()))
	c.w.SetErrorHook(c.countError)
}

// writeMap writes vals, key, value, key, value..., as a map: a flat array
// in RESP2, as HGETALL replies.
func (c *conn) writeMap(vals [][]byte) {
	c.w.WriteMapHeader(len(vals) / 2)
	for _, v := range vals {
		c.w.WriteBulk(v)
	}
}

// writeSet writes vals as a set: an array in RESP2, as SMEMBERS replies.
func (c *conn) writeSet(vals [][]byte) {
	c.w.WriteSetHeader(len(vals))
	for _, v := range vals {
		c.w.WriteBulk(v)
	}
}
