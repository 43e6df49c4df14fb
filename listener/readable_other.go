//go:build !unix

package listener

// waitSocket is how WaitReadable waits on a socket here: it cannot peek
// without reading, so it does not wait.
var waitSocket = returnAtOnce
