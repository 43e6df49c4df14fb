// Package handoff gives listeners sockets they did not open: sockets that
// systemd opened for the process ([Systemd]), and sockets inherited from the
// previous binary in a zero-downtime upgrade ([Upgrader], built on
// github.com/cloudflare/tableflip).
//
// Each is a bind function for listener.Server's Bind field:
//
//	srv := &listener.Server{Bind: handoff.Systemd("kv"), Handler: h}
//
// # Sockets that outlive an acceptor
//
// A listener.Server closes the socket its acceptor served when the
// acceptor fails, and calls Bind again for the restarted one. An inherited
// socket cannot be bound again: closed for good, it would be lost, and the
// port with it. So the bind functions here keep the inherited socket
// themselves and hand out a duplicate of its descriptor at every call: the
// acceptor closes its duplicate, the next call returns a fresh one, and the
// kernel's socket, its port and the connections queued on it stay.
//
// # systemd socket activation
//
// systemd passes the sockets of a .socket unit to the service it starts as
// descriptors 3 and up, described by LISTEN_FDS, LISTEN_FDNAMES (the units'
// FileDescriptorName=, by default the socket unit's name) and LISTEN_PID.
// [Systemd] reads them once per process, the first time it is called, and
// unsets them so that the process's children do not take the sockets for
// theirs. The few lines of this protocol are written here rather than
// taken from github.com/coreos/go-systemd: its activation package returns
// listeners, which would be closed by the first acceptor fault, and the
// files are what must be kept.
//
// # Zero-downtime upgrade
//
// [New] returns an [Upgrader]: a *tableflip.Upgrader whose Bind keeps each
// socket across acceptor restarts as above, and passes it to the next
// binary at an upgrade. Give it to supervisor.RunConfig's Upgrader and to
// every listener's Bind; SIGHUP then starts the binary at the same path,
// which serves on the same sockets, and the old tree stops once the new one
// is ready.
//
// # Platforms
//
// Both need a process to inherit sockets as numbered descriptors, which
// every Unix does. [Systemd] works on Linux under systemd, and on any Unix
// whose process manager passes sockets by the same protocol (LISTEN_FDS);
// [New] works wherever github.com/cloudflare/tableflip does: Linux, macOS
// and the BSDs. On Windows the package builds, and both return an error
// wrapping [ErrUnsupported]: a program meant for every platform binds its
// own sockets there, as a listener.Server with an Addr and no Bind does.
package handoff
