// Package loopback finds loopback addresses for programs that must be told
// their port up front (redis-server, etcd, nats-server, the kv example in
// the harnesses), where a server that can bind port 0 would report its own.
//
// It is internal: seam's harnesses and test helpers share it.
package loopback

import "net"

// FreeAddr returns a loopback TCP address, 127.0.0.1:port, whose port was
// free a moment ago. Another process may take the port before the program
// binds it: that is the price of a program that binds for itself.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
