package server

import (
	"regexp"
	"strings"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
)

// TestClientListAndKill: CLIENT LIST shows each connection in Redis's
// format; CLIENT KILL by ID, by ADDR and in the old form closes the
// other's connection cleanly (its next read sees the close), counted in
// INFO; CONFIG RESETSTAT resets what INFO counts.
func TestClientListAndKill(t *testing.T) {
	ts := startServer(t, serverOpts{})
	admin := ts.dial(t)
	victim := ts.dial(t)
	do(t, victim, "CLIENT", "SETNAME", "victim")
	do(t, victim, "PING")
	list := do(t, admin, "CLIENT", "LIST")
	re := regexp.MustCompile(`id=(\d+) addr=(\S+) laddr=\S+ fd=-1 name=victim age=\d+ idle=\d+ flags=N db=0 sub=0 psub=0 multi=-1 cmd=ping user=default resp=2`)
	m := re.FindStringSubmatch(list)
	if m == nil {
		t.Fatalf("CLIENT LIST = %s", list)
	}
	if have := do(t, admin, "CLIENT", "KILL", "ID", m[1]); have != "(integer) 1" {
		t.Fatalf("CLIENT KILL ID = %s", have)
	}
	if _, err := victim.Do("PING"); err == nil {
		t.Fatal("the killed connection still answers")
	}
	// The client sees the close before the server has forgotten the
	// connection: wait for it to leave CLIENT LIST.
	seamtest.Eventually(t, "the killed client to leave CLIENT LIST", func() bool {
		return !strings.Contains(do(t, admin, "CLIENT", "LIST"), "addr="+m[2]+" ")
	})
	if have := do(t, admin, "CLIENT", "KILL", m[2]); have != "(error) ERR No such client" {
		t.Fatalf("CLIENT KILL of a gone client = %s", have)
	}
	second := ts.dial(t)
	addr := second.Conn().LocalAddr().String()
	do(t, second, "PING")
	if have := do(t, admin, "CLIENT", "KILL", addr); have != `"OK"` {
		t.Fatalf("CLIENT KILL addr = %s", have)
	}
	if _, err := second.Do("PING"); err == nil {
		t.Fatal("the connection killed by address still answers")
	}
	if have := do(t, admin, "CLIENT", "KILL", "ADDR", "1.2.3.4:5"); have != "(integer) 0" {
		t.Fatalf("CLIENT KILL ADDR nobody = %s", have)
	}
	info := do(t, admin, "INFO", "stats")
	if !strings.Contains(info, `killed_clients:2`) {
		t.Fatalf("INFO stats lacks killed_clients:2: %s", info)
	}
	if have := do(t, admin, "CONFIG", "RESETSTAT"); have != `"OK"` {
		t.Fatal(have)
	}
	info = do(t, admin, "INFO", "stats")
	for _, want := range []string{`killed_clients:0`, `total_connections_received:0`, `keyspace_hits:0`} {
		if !strings.Contains(info, want) {
			t.Errorf("after RESETSTAT, INFO stats lacks %s: %s", want, info)
		}
	}
	for _, cmd := range []string{"CLIENT", "COMMAND", "CONFIG", "MEMORY"} {
		v, err := admin.Do(cmd, "HELP")
		if err != nil || len(v.Array) < 4 || !strings.HasPrefix(v.Array[0].Str, cmd+" <subcommand>") {
			t.Errorf("%s HELP = %v, %v", cmd, v, err)
		}
	}
}

// clientReplyScript silences replies with CLIENT REPLY SKIP and OFF, and
// ends the silence with ON; SKIP while OFF changes nothing.
const clientReplyScript = "CLIENT REPLY SKIP\r\nSET a 1\r\nGET a\r\nCLIENT REPLY OFF\r\nSET b 2\r\nGET b\r\nBOGUS\r\n" +
	"CLIENT REPLY SKIP\r\nCLIENT REPLY ON\r\nGET b\r\nCLIENT REPLY SKIP\r\nCLIENT REPLY ON\r\nGET a\r\n" +
	"CLIENT REPLY foo\r\nCLIENT REPLY\r\nCLIENT NO-EVICT on\r\nCLIENT NO-EVICT off\r\nCLIENT NO-EVICT maybe\r\nCLIENT NO-EVICT\r\n"

// TestClientReplyAgainstRedis wants CLIENT REPLY and NO-EVICT's replies
// byte for byte as redis-server 7 sends them.
func TestClientReplyAgainstRedis(t *testing.T) {
	ts := startServer(t, serverOpts{})
	sameTranscript(t, ts.addr, clientReplyScript, "$1\r\n1\r\n+OK\r\n$1\r\n2\r\n+OK\r\n$1\r\n1\r\n-ERR syntax error\r\n")
}
