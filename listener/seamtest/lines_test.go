package seamtest_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
)

// Lines answers each line, sends nothing for "", and returns when its ctx
// ends even while a read waits for the next line.
func TestLines(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	h := seamtest.Lines(func(line string) string {
		if line == "quiet\n" {
			return ""
		}
		return strings.ToUpper(line)
	})
	go func() { done <- h(ctx, server) }()
	br := bufio.NewReader(client)
	// net.Pipe has no buffer: each write waits for the handler's read.
	for _, step := range []struct{ send, want string }{
		{"one\n", "ONE\n"}, {"quiet\n", ""}, {"two\n", "TWO\n"},
	} {
		if _, err := io.WriteString(client, step.send); err != nil {
			t.Fatal(err)
		}
		if step.want == "" {
			continue
		}
		if have, err := br.ReadString('\n'); err != nil || have != step.want {
			t.Fatalf("read %q, %v; want %q (and nothing for the quiet line)", have, err, step.want)
		}
	}
	cancel()
	if err := seamtest.Recv(t, done, "the handler to return after cancel"); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("handler = %v after cancel, want its read cut short by a deadline", err)
	}
}
