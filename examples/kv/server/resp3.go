package server

// Replies whose RESP3 type differs from RESP2's array, shared by the
// commands that reply with them.

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
