package server

import "github.com/seamgo/seam/examples/kv/resp"

// cmdHello is HELLO [protover [AUTH user pass] [SETNAME name]]: it
// switches the connection to RESP2 or RESP3 and answers with the server's
// map, as Redis 7 does. AUTH authenticates as the AUTH command does
// (auth.go); a client still unauthenticated after the options gets
// Redis's NOAUTH for HELLO, its name set or not, and keeps its protocol.
func cmdHello(c *conn, args [][]byte) {
	proto := c.w.Proto()
	if len(args) > 1 {
		v, ok := resp.ParseInt(args[1])
		if !ok {
			c.w.WriteError("ERR Protocol version is not an integer or out of range")
			return
		}
		if v != 2 && v != 3 {
			c.w.WriteError("NOPROTO unsupported protocol version")
			return
		}
		proto = int(v)
	}
	var name []byte
	setName := false
	for i := 2; i < len(args); i++ {
		switch more := len(args) - i - 1; {
		case eqFold(args[i], "AUTH") && more >= 2:
			if !c.authenticate(args[i+1], args[i+2]) {
				c.w.WriteError(errWrongPass)
				return
			}
			i += 2
		case eqFold(args[i], "SETNAME") && more >= 1:
			name, setName = args[i+1], true
			i++
		default:
			c.w.WriteError("ERR Syntax error in HELLO option '" + string(args[i]) + "'")
			return
		}
	}
	if setName && !c.setName(name) {
		return
	}
	if !c.authed {
		c.w.WriteError(errHelloAuth)
		return
	}
	c.setProto(proto)
	c.w.WriteMapHeader(7)
	c.w.WriteBulkString("server")
	c.w.WriteBulkString("redis")
	c.w.WriteBulkString("version")
	c.w.WriteBulkString(redisVersion)
	c.w.WriteBulkString("proto")
	c.w.WriteInt(int64(proto))
	c.w.WriteBulkString("id")
	c.w.WriteInt(c.id)
	c.w.WriteBulkString("mode")
	c.w.WriteBulkString("standalone")
	c.w.WriteBulkString("role")
	c.w.WriteBulkString("master")
	c.w.WriteBulkString("modules")
	c.w.WriteArrayHeader(0)
}

// setProto makes the connection speak RESP proto from its next reply on:
// its Writer, the pub/sub frames the hub sends it, and CLIENT LIST's resp=
// all follow.
func (c *conn) setProto(proto int) {
	c.w.SetProto(proto)
	c.st.proto.Store(int32(proto))
	if c.sub != nil {
		c.sub.SetProto(proto)
	}
}
