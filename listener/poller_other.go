//go:build !linux

package listener

import "net"

// canHibernate: only Linux has a poller for hibernated sockets here;
// elsewhere HibernateAfter is ignored and the waits never hibernate.
const canHibernate = false

// poller is never made here.
type poller struct{}

func newPoller(*run) (*poller, error) { return nil, nil }

func (*poller) park(*conn) bool      { return false }
func (*poller) closeAll()            {}
func (*poller) closeParked(bool) int { return 0 }
func (*poller) stop()                {}

// quiet is never asked here: nothing parks at accept.
func quiet(net.Conn) bool { return false }
