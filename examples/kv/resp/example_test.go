package resp_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/seamgo/seam/examples/kv/resp"
)

// A pipeline of two commands, one an array and one typed inline, answered
// with one write.
func Example() {
	in := strings.NewReader("*3\r\n$3\r\nSET\r\n$5\r\ngreet\r\n$5\r\nhello\r\nGET greet\r\n")
	r := resp.NewReader(in, resp.Options{})
	var out bytes.Buffer
	w := resp.NewWriter(&out)
	for {
		args, err := r.ReadCommand()
		if err != nil {
			break
		}
		fmt.Printf("%q\n", args)
		if strings.EqualFold(string(args[0]), "GET") {
			w.WriteBulkString("hello")
		} else {
			w.WriteOK()
		}
	}
	w.Flush() // one write for the whole pipeline
	fmt.Printf("%q\n", out.String())
	// Output:
	// ["SET" "greet" "hello"]
	// ["GET" "greet"]
	// "+OK\r\n$5\r\nhello\r\n"
}
