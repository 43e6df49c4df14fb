// Package aof is the kv example's append-only file: a journal of write
// commands, replayed at start, kept by a [Writer] that runs as a suture
// service, first in the server's supervisor.Group, before the listener.
//
// # Format
//
// The file is Redis's: each record is a RESP array of the write command
// that took effect, as a client would send it. Relative expiries are
// recorded as absolute times (SET ... PXAT, PEXPIREAT), and keys that
// expire are recorded as DEL, so that a replay at any later time, during
// which nothing expires, rebuilds the keyspace as it was.
//
// # Acknowledgement
//
// The store hands a write's record to [Writer.Append] before applying it;
// an Append that fails refuses the write. Before a server sends the replies
// to a batch that appended records, it calls [Writer.Commit] with the
// offset its records reached ([Writer.Appended]). Commit hands the records
// to the operating system and, with [FsyncAlways], waits until they are on
// disk (one fsync covers every client waiting at that moment). A reply is
// therefore only ever sent for a write that is in the file, or at least in
// the kernel's page cache, as with Redis's appendfsync everysec.
//
// # Stop and failure
//
// At stop, [Writer.Serve] writes, fsyncs and closes the file; an Append
// after that returns [ErrClosed]. The Writer must therefore stop after
// everything that appends to it: the kv server's supervisor.Group stops its
// children in reverse order, so the listener has stopped, and every
// connection has sent the replies it owed, before the Writer's final
// flush. No write a client saw acknowledged is lost.
//
// A failed write or fsync makes Append refuse with [ErrFailing] (the
// server's MISCONF reply) and ends Serve with the error, so the supervision
// tree restarts the writer, which reopens the file and writes what was
// pending. A restarted Serve tries once and returns at once if the file
// still fails, so run the Writer under a policy that paces the retries: the
// kv server wraps it in a services.Retry (100ms doubling to 1s), which
// keeps a full disk from spending its group's restart intensity.
// [Writer.Status] reports the last error and how many failures there were.
//
// # Replay
//
// Serve's first start loads the file, under supervision: it replays each
// record through Config.Replay, opens the file for appending, calls
// Config.Loaded, and only then closes the channel of [Writer.Ready], so
// that a group starts the listener on a keyspace already rebuilt.
// ([Writer.Load] does the same for a program that loads the file itself.)
// A last record cut short (a crash in the middle of a write) is removed
// with a warning, like Redis's aof-load-truncated; a bad record anywhere
// else is a [*CorruptError] that names its offset, returned by Serve
// before it is ready, so the group's start fails and the server refuses to
// start.
package aof
