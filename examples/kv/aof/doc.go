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
// # Memory
//
// A record waits in the Writer's buffer until a Commit or the once-a-second
// tick writes it. Its small arguments are copied there; a big one (from
// resp.BigArg bytes on) that the caller declared immutable with
// [Writer.Keep] (the kv server keeps the arguments its resp.Reader read
// into buffers of their own) is referenced instead, so that a 100 MB SET
// does not cost a second 100 MB while its record waits.
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
// Config.Loaded, and only then closes the channels of [Writer.Loaded] and
// [Writer.Ready], so that a group starts the listener on a keyspace
// already rebuilt. ([Writer.Load] does the same for a program that loads
// the file itself.) With Config.ReadyOnLock, Ready closes as soon as the
// file is locked instead: a server then binds while it loads, answers as
// redis-server does meanwhile (-LOADING), and waits for Loaded (or
// [Writer.WaitLoaded], which also returns a failed load's error) before
// it calls itself ready. [Writer.Status] reports the replay's progress
// meanwhile, for INFO's loading_* fields. The file is read in 1 MiB
// blocks.
// A last record cut short (a crash in the middle of a write) is removed
// with a warning, like Redis's aof-load-truncated; a bad record anywhere
// else is a [*CorruptError] that names its offset, returned by Serve
// before it is ready, so the group's start fails and the server refuses to
// start.
//
// # Rewrite
//
// The file only grows until it is rewritten. [Writer.Rewrite] writes a
// compact file that rebuilds the keyspace, while writes go on: the kv
// store's Rewrite dumps one shard at a time into a [RewriteSink], whose
// temporary file lies beside the file ("<name>.rewrite-*.tmp"), and sends
// what writes do to keys already dumped to the sink's tail as well as to
// the journal. [RewriteSink.Finish] writes the tail after the dump, fsyncs
// the new file, takes its flock, renames it over the old one and fsyncs the
// directory, holding off Commits meanwhile; records not yet written to the
// old file are dropped then, as the new file holds their effect.
//
// So at every moment the file's name holds one whole file that replays to
// every acknowledged write: the old one until the rename (records
// acknowledged during the rewrite were written to it), the new one after
// (it holds everything appended before the switch, and is synced before
// anything after it is acknowledged). A rewrite that fails, or is stopped,
// leaves the old file in use and removes its temporary file; one that a
// crash cut short leaves a temporary file, which the next load removes
// holding the lock. The lock moves with the name: the new file is locked
// before it is renamed into place, and the old one's lock released after.
//
// [Rewriter] is the service that runs rewrites, on request (BGREWRITEAOF)
// and when the file has grown by a percentage over its size after the last
// rewrite, as Redis's auto-aof-rewrite-percentage and
// auto-aof-rewrite-min-size.
//
// # Handover
//
// An upgrade in place passes the file to the successor process:
// [Writer.Handover] writes out and fsyncs every record appended, closes
// the file and releases its lock, after which Append refuses with
// [ErrHandedOver]; the successor takes the lock and loads a file that
// holds every write acknowledged. If the successor never takes it,
// [Writer.Resume] takes the lock back and appends go on, unless the file
// changed meanwhile.
package aof
