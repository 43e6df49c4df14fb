// Command logexit writes a JSON log line and a plain one to stderr, then
// exits with the status given as its argument, or, given "hang", waits
// until it is killed: a process for seamtest's own tests.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

func main() {
	fmt.Fprintf(os.Stderr, "{\"level\":\"info\",\"pid\":%d,\"message\":\"started\"}\n", os.Getpid())
	fmt.Fprintln(os.Stderr, "a line that is not JSON")
	if os.Args[1] == "hang" {
		time.Sleep(time.Hour)
	}
	code, _ := strconv.Atoi(os.Args[1])
	os.Exit(code)
}
