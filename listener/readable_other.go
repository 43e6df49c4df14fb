//go:build !unix

package listener

import "net"

// waitSocket is how WaitReadable waits on a socket here: it cannot peek
// without reading, so it does not wait.
var waitSocket = returnAtOnce

// discardUnread cannot read without waiting here: the rejection lingers
// until its client closes instead (rejecter.answer).
func discardUnread(net.Conn) bool { return false }
