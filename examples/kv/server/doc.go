// Package server is the kv example's connection handler: a
// [listener.Handler] that speaks the Redis protocol, with the command table
// that runs each command against a [store.Store] and journals writes to an
// [aof.Writer].
//
// # A connection
//
// [Handler.ServeConn] loops: read a command, run it, buffer the reply. The
// replies are written when the reader is about to wait for more input, so a
// pipeline of commands that arrived together is answered with one write,
// and before they are written the append-only file is committed, so a write
// is acknowledged only once it is in the file. The loop checks its ctx
// between commands: at a graceful stop it finishes the reply in hand and
// returns, and an idle connection's read is woken at once rather than
// waiting for the listener's force-close.
//
// A malformed request gets "-ERR Protocol error: ..." and closes that
// connection only. A panic in a command is left to the listener, which
// recovers it and closes that connection only.
//
// # Blocking commands
//
// A blocking command (BLPOP and its kin) that finds nothing to take puts
// its client in line under its keys and returns: the worker that ran it
// is free, and the connection's goroutine waits, holding nothing but its
// state, until the wait ends. The write that makes a key servable serves
// the clients in line, first come first served, before its own reply; a
// timeout, CLIENT UNBLOCK, a hang-up or the connection's ctx (the
// listener's stop: the client gets a timeout's reply) end the wait
// otherwise. See blocking.go.
//
// # Keyspace notifications
//
// With [Config.KeyspaceEvents], or CONFIG SET notify-keyspace-events,
// writes publish Redis 7.0's keyspace events on the pub/sub hub: a command
// notes its own events, the store tells of the keys it adds and expires
// ([store.Notifier]), and the connection hands them to the hub
// ([pubsub.Hub.DeliverAll]) before it sends their replies, so that a
// client's events reach the subscribers in the order of its writes,
// before anything it publishes next. [Handler.Sweep], the active expiry, publishes those of
// the keys it removes. While they are off a command pays one atomic load
// (two if it adds a key).
// See notify.go.
//
// # Streams
//
// The stream commands (XADD to XINFO, with consumer groups) run on the
// store's streams; XREAD and XREADGROUP with BLOCK wait as the blocking
// commands do, and each write journals what it did. See streams.go,
// streamread.go and streamgroups.go.
//
// # Redis compatibility
//
// Replies and error texts are Redis 7's, so that redis-cli,
// redis-benchmark and client libraries behave as they do with Redis:
// strings, lists, sets, hashes and sorted sets, with WRONGTYPE for a
// command on another type; 16 databases (SELECT); COMMAND, CONFIG GET,
// CLIENT and HELLO answer what clients ask at connection time. HELLO 3
// switches a connection to RESP3, whose maps, sets, doubles, nulls and
// pushes are written where Redis 7 writes them, byte for byte (the tests
// compare each with redis-server's).
package server
