// Package resp reads and writes the Redis serialization protocol, RESP2
// and RESP3, for a server: a [Reader] turns a byte stream of client
// commands into argument lists, and a [Writer] buffers replies.
//
// # Reading
//
// Clients send commands as arrays of bulk strings ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
// or, for people typing into nc or telnet, as inline lines ("GET k\r\n")
// split on spaces with Redis's quoting rules. [Reader.ReadCommand] accepts
// both and supports pipelining: any number of commands may be in flight, and
// the Reader keeps the bytes it has read ahead for the next call.
//
// Every size a peer declares is checked against [Options] before anything is
// allocated for it, and buffers grow only as data actually arrives, so a
// peer that announces a 500 MB string and sends ten bytes costs ten bytes.
// A malformed or oversized request is reported as a [*ProtocolError] whose
// text is Redis's ("Protocol error: invalid bulk length"); the connection
// cannot be resynchronised after one and should be closed.
//
// # Writing
//
// A [Writer] appends replies to one buffer and writes it with
// [Writer.Flush], so a server that flushes only when its Reader has no more
// buffered input answers a whole pipeline with one write.
//
// Commands come in one form whatever the protocol; replies differ. A
// Writer speaks RESP2 until [Writer.SetProto] selects RESP3 (a server
// does it at HELLO 3), and its typed methods write each reply as the
// connection's protocol has it: [Writer.WriteMapHeader] is a map in RESP3
// and an array of key, value, ... in RESP2, [Writer.WriteDouble] a double
// or a bulk string, [Writer.WriteNull] "_" or "$-1", and so on for sets,
// booleans, verbatim strings and pushes. A server writes its replies once,
// for both protocols.
package resp
