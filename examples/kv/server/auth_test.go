package server

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/seamgo/seam/examples/kv/internal/respclient"
	"github.com/seamgo/seam/listener/seamtest"
)

// testPassword is distinctive enough that finding it in any output means
// it leaked.
const testPassword = "pw-Zq7-unlikely-anywhere"

func withPassword(p string) func(*Config) {
	return func(c *Config) { c.RequirePass = NewPassword(p) }
}

// authScript is a session of an unauthenticated client, then an
// authenticated one, on a server whose password is testPassword. Every
// reply is compared with redis-server's, so the texts, the order of the
// checks (unknown command and arity before NOAUTH) and what survives a
// failed AUTH are Redis's.
var authScript = [][]string{
	{"GET", "k"},
	{"PING"},
	{"SET", "k", "v"},
	{"NOSUCH", "a"},
	{"GET"},
	{"AUTH"},
	{"AUTH", "a", "b", "c"},
	{"AUTH", "wrong"},
	{"AUTH", "default", "wrong"},
	{"AUTH", "nobody", testPassword},
	{"HELLO"},
	{"HELLO", "2"},
	{"HELLO", "2", "SETNAME", "x"},
	{"HELLO", "2", "AUTH", "default", "wrong"},
	{"HELLO", "x"},
	{"HELLO", "4"},
	{"CLIENT", "GETNAME"},
	{"AUTH", testPassword},
	{"GET", "k"},
	{"SET", "k", "v"},
	{"AUTH", "wrong"},
	{"GET", "k"}, // a failed AUTH does not undo the earlier one
	{"AUTH", "default", testPassword},
	{"CLIENT", "GETNAME"},
	{"QUIT"},
}

// TestAuthLikeRedis runs authScript against kv and redis-server with the
// same password and wants the same replies.
func TestAuthLikeRedis(t *testing.T) {
	rc, err := net.Dial("unix", startRedis(t, "--requirepass", testPassword))
	if err != nil {
		t.Fatal(err)
	}
	redis := respclient.New(rc)
	defer redis.Close()
	ts := startServer(t, serverOpts{config: withPassword(testPassword)})
	kv := ts.dial(t)
	for _, cmd := range authScript {
		if have, want := do(t, kv, cmd...), do(t, redis, cmd...); have != want {
			t.Errorf("%q:\nhave %s\nwant %s", cmd, have, want)
		}
	}
}

// TestAuthWithoutPasswordLikeRedis: without a password AUTH password is
// an error, and the default user takes any password, as Redis's nopass.
func TestAuthWithoutPasswordLikeRedis(t *testing.T) {
	rc, err := net.Dial("unix", startRedis(t))
	if err != nil {
		t.Fatal(err)
	}
	redis := respclient.New(rc)
	defer redis.Close()
	kv := startServer(t, serverOpts{}).dial(t)
	for _, cmd := range [][]string{
		{"AUTH", "x"},
		{"AUTH", "default", "anything"},
		{"AUTH", "nobody", "x"},
		{"HELLO", "2", "AUTH", "nobody", "x"},
		{"PING"},
	} {
		if have, want := do(t, kv, cmd...), do(t, redis, cmd...); have != want {
			t.Errorf("%q:\nhave %s\nwant %s", cmd, have, want)
		}
	}
	if have := do(t, kv, "HELLO", "2", "AUTH", "default", "anything"); !strings.Contains(have, `"proto", (integer) 2`) {
		t.Errorf("HELLO 2 AUTH default anything without a password: %s", have)
	}
}

// TestHelloAuth authenticates and names the connection in one HELLO. A
// version kv lacks is refused with NOPROTO before AUTH is looked at, as
// Redis does, so the client stays unauthenticated; HELLO 3 AUTH
// authenticates and answers with RESP3's map.
func TestHelloAuth(t *testing.T) {
	ts := startServer(t, serverOpts{config: withPassword(testPassword)})
	c := ts.dial(t)
	if have := do(t, c, "HELLO", "4", "AUTH", "default", testPassword); have != "(error) NOPROTO unsupported protocol version" {
		t.Errorf("HELLO 4 AUTH: %s", have)
	}
	if have := do(t, c, "GET", "k"); have != "(error) "+errNoAuth {
		t.Errorf("GET after HELLO 4: %s", have)
	}
	if have := do(t, c, "HELLO", "3", "AUTH", "default", testPassword); !strings.HasPrefix(have, `{"server": "redis", `) || !strings.Contains(have, `"proto": (integer) 3`) {
		t.Errorf("HELLO 3 AUTH: %s", have)
	}
	if have := do(t, c, "GET", "k"); have != "(nil)" {
		t.Errorf("GET after HELLO 3 AUTH: %s", have)
	}
	have := do(t, c, "HELLO", "2", "AUTH", "default", testPassword, "SETNAME", "app")
	if !strings.HasPrefix(have, `["server", "redis", "version"`) || !strings.Contains(have, `"proto", (integer) 2`) {
		t.Errorf("HELLO 2 AUTH SETNAME: %s", have)
	}
	if have := do(t, c, "CLIENT", "GETNAME"); have != `"app"` {
		t.Errorf("CLIENT GETNAME: %s", have)
	}
}

// TestEveryCommandNeedsAuth sends every command of the table, with as
// many arguments as its arity wants, before AUTH: all but AUTH, HELLO and
// QUIT must answer NOAUTH and change nothing.
func TestEveryCommandNeedsAuth(t *testing.T) {
	ts := startServer(t, serverOpts{config: withPassword(testPassword), debug: true})
	c := ts.dial(t)
	for _, cmd := range commandList {
		switch cmd.name {
		case "auth", "hello", "quit":
			continue
		}
		n := cmd.arity
		if n < 0 {
			n = -n
		}
		args := []string{cmd.name}
		for len(args) < n {
			args = append(args, "k")
		}
		if have := do(t, c, args...); have != "(error) "+errNoAuth {
			t.Errorf("%q before AUTH: %s", args, have)
		}
	}
	if n := ts.store.Len(); n != 0 {
		t.Errorf("%d keys written before AUTH", n)
	}
}

// TestAuthFailuresCountedAndLoggedBounded: every failure is counted in
// INFO, but a burst is logged as one line, and the next line carries the
// count of those not logged. No output of the server (logs, INFO, CLIENT
// LIST, CONFIG GET) ever holds the password.
func TestAuthFailuresCountedAndLoggedBounded(t *testing.T) {
	logs := &seamtest.Logs{}
	clock := &fakeClock{now: time.Unix(1_000_000, 0)}
	ts := startServer(t, serverOpts{config: withPassword(testPassword), now: clock.Now,
		log: zerolog.New(logs).Level(zerolog.DebugLevel)})
	c := ts.dial(t)
	for range 5 {
		do(t, c, "AUTH", "wrong-"+testPassword)
	}
	do(t, c, "HELLO", "2", "AUTH", "default", "wrong")
	clock.add(authFailLogEvery)
	do(t, c, "AUTH", "default", testPassword+"x")
	do(t, c, "AUTH", testPassword)

	lines := strings.Count(logs.String(), "authentication failed")
	if lines != 2 {
		t.Errorf("%d lines about 7 failures in two bursts, want 2:\n%s", lines, logs.String())
	}
	if !strings.Contains(logs.String(), `"not_logged":5`) {
		t.Errorf("the second line does not count the 5 failures not logged:\n%s", logs.String())
	}
	info := do(t, c, "INFO", "stats")
	if !strings.Contains(info, "acl_access_denied_auth:7\\r\\n") {
		t.Errorf("INFO stats does not count 7 failures:\n%s", info)
	}
	if ts.handler.AuthFailures() != 7 {
		t.Errorf("AuthFailures() = %d, want 7", ts.handler.AuthFailures())
	}
	out := logs.String() + info + do(t, c, "INFO", "all") + do(t, c, "CLIENT", "LIST") +
		do(t, c, "CONFIG", "GET", "*") + NewPassword(testPassword).String()
	if strings.Contains(out, testPassword) {
		t.Errorf("the password leaked:\n%s", out)
	}
}

// TestAuthRedisCLI authenticates the ways redis-cli offers: -a, --user
// and --pass, and AUTH typed in a session; without them it gets NOAUTH.
func TestAuthRedisCLI(t *testing.T) {
	lookPath(t, "redis-cli")
	ts := startServer(t, serverOpts{config: withPassword(testPassword)})
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"-a", []string{"--no-auth-warning", "-a", testPassword, "PING"}, "", "PONG\n"},
		{"--user --pass", []string{"--no-auth-warning", "--user", "default", "--pass", testPassword, "PING"}, "", "PONG\n"},
		{"AUTH typed", nil, "AUTH " + testPassword + "\nSET k v\nGET k\n", "OK\nOK\nv\n"},
		{"none", []string{"PING"}, "", "NOAUTH Authentication required.\n\n"},                                        // redis-cli follows an error with an empty line,
		{"wrong -a", []string{"--no-auth-warning", "-a", "nope", "PING"}, "", "NOAUTH Authentication required.\n\n"}, // redis-cli follows an error with an empty line,
	} {
		if have := redisTool(t, "redis-cli", ts.addr, []byte(tc.stdin), tc.args...); have != tc.want {
			t.Errorf("redis-cli %s: %q, want %q", tc.name, have, tc.want)
		}
	}
}
