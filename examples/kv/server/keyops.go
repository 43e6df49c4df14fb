package server

var wordRename = []byte("RENAME")

// cmdRenameNX is RENAMENX key newkey, journalled as the RENAME it did.
func cmdRenameNX(c *conn, args [][]byte) {
	done, err := c.db.RenameNX(args[1], args[2], c.record(wordRename, args[1], args[2]))
	c.writeFlag(done, err)
}

// cmdExpireTime is EXPIRETIME key: the unix time in seconds at which key
// expires, -1 if it has no expiry, -2 if it is missing.
func cmdExpireTime(c *conn, args [][]byte) {
	at := c.db.ExpireTime(args[1])
	if at > 0 {
		at /= 1000
	}
	c.w.WriteInt(at)
}

// cmdPExpireTime is EXPIRETIME in milliseconds.
func cmdPExpireTime(c *conn, args [][]byte) {
	c.w.WriteInt(c.db.ExpireTime(args[1]))
}
