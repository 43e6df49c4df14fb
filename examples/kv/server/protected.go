package server

import (
	"net"
	"net/netip"
)

// errDenied is Redis 7's -DENIED reply to a client from another host
// while protected mode is on and no password is set, in kv's words: kv
// has no CONFIG SET or configuration file, so its remedies are its flags.
const errDenied = "DENIED kv is running in protected mode because protected mode is enabled " +
	"and no password is set for the default user. In this mode connections are only accepted " +
	"from the loopback interface. If you want to connect from external computers to kv you may " +
	"adopt one of the following solutions: 1) Restart kv with the '-protected-mode no' option, " +
	"however MAKE SURE kv is not publicly accessible from internet if you do so. " +
	"2) Setup an authentication password for the default user with the '-requirepass-file' option. " +
	"NOTE: You only need to do one of the above things in order for the server to start " +
	"accepting connections from the outside."

// admit decides, as a connection starts, whether it starts authenticated
// (no password is set) and whether it may stay at all. With
// Config.ProtectedMode and no password, a client that is not local gets
// the DENIED reply and admit reports false: the connection is then
// closed, as Redis 7 does whatever address it binds. The address is the
// connection's RemoteAddr, the client's behind a trusted PROXY header.
func (h *Handler) admit(c *conn) bool {
	c.authed = !h.cfg.RequirePass.IsSet()
	if !h.refuses(c.nc.RemoteAddr()) {
		return true
	}
	h.denied.Add(1)
	c.w.WriteError(errDenied)
	return false
}

// refuses reports whether protected mode refuses a client at addr.
func (h *Handler) refuses(addr net.Addr) bool {
	return h.cfg.ProtectedMode && !h.cfg.RequirePass.IsSet() && !isLocal(addr)
}

// WaitsForClient is kv's listener.Server.HibernateAtAccept: a new
// connection waits for its client's first command hibernated, holding
// no goroutine and no client state, unless protected mode refuses it;
// that one is told so at once, as redis-server tells it. A client that
// has yet to send a byte counts in connected_clients (INFO reads the
// listener's Stats.Unstarted) but is not in CLIENT LIST, where
// redis-server lists it.
func (h *Handler) WaitsForClient(nc net.Conn) bool {
	return !h.refuses(nc.RemoteAddr())
}

// isLocal reports whether a client at addr is local as Redis's
// islocalClient has it: a unix socket, or exactly 127.0.0.1 or ::1 (an
// IPv4-mapped 127.0.0.1 too). Other loopback addresses, 127.0.0.2 and the
// like, are not: Redis compares the text, and a client there could be a
// container or a namespace of another owner.
func isLocal(addr net.Addr) bool {
	if addr == nil {
		return false
	}
	if addr.Network() == "unix" {
		return true
	}
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil {
		return false
	}
	ip := ap.Addr().Unmap()
	return ip == netip.AddrFrom4([4]byte{127, 0, 0, 1}) || ip == netip.IPv6Loopback()
}

// Denied returns how many clients protected mode has refused since the
// start: INFO's protected_mode_denied and kv's metric.
func (h *Handler) Denied() int64 { return h.denied.Load() }
