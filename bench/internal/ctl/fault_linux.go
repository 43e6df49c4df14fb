package ctl

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// BreakListener injects a real accept fault into this process's listening
// TCP socket at addr, which the process's code need not expose: it finds
// the socket's descriptor through /proc/self and shuts it down for reading.
// On Linux that takes a listening socket out of the LISTEN state, so the
// blocked accept wakes up and fails with EINVAL, a non-temporary error, as
// it would if the socket had broken. The descriptor itself stays open and
// owned by its net.Listener, which closes it as usual.
func BreakListener(addr string) error {
	ap, err := netipPort(addr)
	if err != nil {
		return err
	}
	inode, err := listeningInode(ap)
	if err != nil {
		return err
	}
	fd, err := fdOfInode(inode)
	if err != nil {
		return err
	}
	if err := syscall.Shutdown(fd, syscall.SHUT_RD); err != nil {
		return fmt.Errorf("ctl: shutdown of fd %d: %w", fd, err)
	}
	return nil
}

func netipPort(addr string) (int, error) {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(p)
}

// listeningInode finds the inode of the socket in LISTEN state (0A) on
// port in /proc/self/net/tcp and tcp6.
func listeningInode(port int) (string, error) {
	want := fmt.Sprintf(":%04X", port)
	for _, name := range []string{"/proc/self/net/tcp", "/proc/self/net/tcp6"} {
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			if len(fields) < 10 || fields[3] != "0A" || !strings.HasSuffix(fields[1], want) {
				continue
			}
			f.Close()
			return fields[9], nil
		}
		f.Close()
	}
	return "", fmt.Errorf("%w: port %d", ErrNoSocket, port)
}

// fdOfInode finds the descriptor of this process that refers to the
// socket with that inode.
func fdOfInode(inode string) (int, error) {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0, err
	}
	want := "socket:[" + inode + "]"
	for _, e := range ents {
		if link, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && link == want {
			return strconv.Atoi(e.Name())
		}
	}
	return 0, fmt.Errorf("%w: inode %s has no descriptor here", ErrNoSocket, inode)
}
