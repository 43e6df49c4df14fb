package admin

import (
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/seamgo/seam/listener/seamtest"
	"github.com/seamgo/seam/supervisor"
)

const testToken = "tok-8fJ2-unlikely-anywhere"

// endpoint is one request to the admin port and the status it gets once
// let through. POST /debug/tree stands for a state-changing endpoint: the
// guard decides before the router, which then answers 405.
type endpoint struct {
	method, path string
	served       int
	open         bool // /healthz, /readyz, /metrics: never guarded
	pprof        bool
}

// slow is the endpoint that takes a second to serve (a CPU profile's
// shortest): a test lets it through once, and checks its refusals, which
// are at once, in every case.
const slow = "/debug/pprof/profile?seconds=1"

// servedOnce reports whether e would be served now and is slow and
// served before in the test; it notes the first time.
func servedOnce(e endpoint, want int, done *bool) bool {
	if e.path != slow || want != e.served {
		return false
	}
	if *done {
		return true
	}
	*done = true
	return false
}

var endpoints = []endpoint{
	{"GET", "/", http.StatusOK, false, false},
	{"GET", "/healthz", http.StatusOK, true, false},
	{"GET", "/readyz", http.StatusServiceUnavailable, true, false}, // a Health that Run never started
	{"GET", "/metrics", http.StatusOK, true, false},
	{"HEAD", "/metrics", http.StatusOK, true, false},
	{"POST", "/healthz", http.StatusMethodNotAllowed, true, false},
	{"GET", "/debug/tree", http.StatusOK, false, false},
	{"GET", "/debug/tree.json", http.StatusOK, false, false},
	{"HEAD", "/debug/tree.json", http.StatusOK, false, false},
	{"POST", "/debug/tree", http.StatusMethodNotAllowed, false, false},
	{"DELETE", "/debug/tree.json", http.StatusMethodNotAllowed, false, false},
	{"POST", "/listeners/kv/suspend", http.StatusNotFound, false, false}, // a tree without listeners
	{"POST", "/listeners/kv/resume", http.StatusNotFound, false, false},
	{"GET", "/listeners/kv/suspend", http.StatusMethodNotAllowed, false, false},
	{"GET", "/debug/pprof/", http.StatusOK, false, true},
	{"GET", "/debug/pprof/cmdline", http.StatusOK, false, true},
	{"GET", "/debug/pprof/symbol", http.StatusOK, false, true},
	{"GET", "/debug/pprof/trace?seconds=0.01", http.StatusOK, false, true},
	{"GET", slow, http.StatusOK, false, true},
	{"GET", "/debug/pprof/heap", http.StatusOK, false, true},
}

// serveAdmin serves a Server with pprof, token and, when from is valid,
// every client seen as from.
func serveAdmin(t *testing.T, token string, from netip.Addr) string {
	t.Helper()
	s := &Server{Addr: "127.0.0.1:0", Health: &supervisor.Health{}, Pprof: true, Token: token}
	if from.IsValid() {
		s.clientIP = func(*http.Request) netip.Addr { return from }
	}
	srv := seamtest.Start(t, s)
	return "http://" + srv.Addr.String()
}

func request(t *testing.T, base string, e endpoint, auth string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(e.method, base+e.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// With a token every endpoint but the probes and /metrics wants it: 401
// with WWW-Authenticate without it, 403 with another, served with it,
// from any client.
func TestTokenGuardsEveryEndpoint(t *testing.T) {
	remote := netip.MustParseAddr("203.0.113.5")
	profiled := false
	for _, from := range []netip.Addr{{}, remote} {
		base := serveAdmin(t, testToken, from)
		for _, e := range endpoints {
			for _, tc := range []struct {
				name, auth string
				want       int
			}{
				{"no header", "", http.StatusUnauthorized},
				{"basic", "Basic " + testToken, http.StatusUnauthorized},
				{"empty bearer", "Bearer ", http.StatusUnauthorized},
				{"wrong", "Bearer " + testToken + "x", http.StatusForbidden},
				{"prefix", "Bearer " + testToken[:len(testToken)-1], http.StatusForbidden},
				{"right", "Bearer " + testToken, e.served},
				{"right, lower-case scheme", "bearer " + testToken, e.served},
			} {
				want := tc.want
				if e.open {
					want = e.served
				}
				if servedOnce(e, want, &profiled) {
					continue
				}
				resp := request(t, base, e, tc.auth)
				if resp.StatusCode != want {
					t.Errorf("from %v, %s %s, %s: %d, want %d", from, e.method, e.path, tc.name, resp.StatusCode, want)
				}
				if challenge := resp.Header.Get("WWW-Authenticate"); (want == http.StatusUnauthorized) != (challenge != "") {
					t.Errorf("%s %s, %s: status %d with WWW-Authenticate %q", e.method, e.path, tc.name, resp.StatusCode, challenge)
				}
			}
		}
	}
}

// Without a token loopback clients may use everything; others may read,
// but neither change state nor profile.
func TestNoTokenLoopbackOnly(t *testing.T) {
	profiled := false
	for _, from := range []string{"127.0.0.1", "::1", "127.0.0.2", "203.0.113.5", "10.0.0.1", "2001:db8::1"} {
		ip := netip.MustParseAddr(from)
		base := serveAdmin(t, "", ip)
		for _, e := range endpoints {
			want := e.served
			if !ip.IsLoopback() && !e.open && (e.pprof || (e.method != "GET" && e.method != "HEAD")) {
				want = http.StatusForbidden
			}
			if servedOnce(e, want, &profiled) {
				continue
			}
			if resp := request(t, base, e, ""); resp.StatusCode != want {
				t.Errorf("from %s, %s %s: %d, want %d", from, e.method, e.path, resp.StatusCode, want)
			}
		}
	}
}

// The client's address without the test's seam is the connection's peer.
func TestRemoteIP(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:80": "127.0.0.1", "[::1]:80": "::1", "[::ffff:10.0.0.1]:80": "10.0.0.1", "nonsense": "invalid IP",
	} {
		if have := remoteIP(&http.Request{RemoteAddr: addr}).String(); have != want {
			t.Errorf("remoteIP(%q) = %s, want %s", addr, have, want)
		}
	}
	base := serveAdmin(t, "", netip.Addr{})
	if resp := request(t, base, endpoint{method: "POST", path: "/debug/tree"}, ""); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST from 127.0.0.1 without the seam: %d, want 405", resp.StatusCode)
	}
}

// Refusals are counted by reason in /metrics, and the token is in no
// series.
func TestRefusalsCounted(t *testing.T) {
	base := serveAdmin(t, testToken, netip.Addr{})
	tree := endpoint{method: "GET", path: "/debug/tree"}
	request(t, base, tree, "")
	request(t, base, tree, "Bearer nope")
	request(t, base, tree, "Bearer nope")
	_, body := seamtest.Get(t, nil, base+"/metrics")
	for _, line := range []string{
		`seam_admin_refused_total{reason="no_token"} 1`,
		`seam_admin_refused_total{reason="wrong_token"} 2`,
		`seam_admin_refused_total{reason="not_loopback"} 0`,
	} {
		if !strings.Contains(body, line+"\n") {
			t.Errorf("/metrics has no %q", line)
		}
	}
	if strings.Contains(body, testToken) {
		t.Error("/metrics holds the token")
	}
}

// FuzzBearer: whatever the header, bearer finds a token only after a
// case-insensitive "Bearer " and returns it trimmed and non-empty, and a
// header built from a token gives that token back. Its seeds are in
// testdata/fuzz/FuzzBearer and run in the normal pass.
func FuzzBearer(f *testing.F) {
	f.Fuzz(func(t *testing.T, header string) {
		r := &http.Request{Header: http.Header{"Authorization": {header}}}
		token, ok := bearer(r)
		if !ok {
			if token != "" {
				t.Fatalf("bearer(%q) = %q, false", header, token)
			}
			return
		}
		if token == "" || token != strings.TrimSpace(token) {
			t.Fatalf("bearer(%q) = %q: empty or untrimmed", header, token)
		}
		if len(header) < 7 || !strings.EqualFold(header[:7], "Bearer ") || !strings.Contains(header[7:], token) {
			t.Fatalf("bearer(%q) = %q: not after a Bearer scheme", header, token)
		}
		r.Header.Set("Authorization", "Bearer "+token)
		if again, ok := bearer(r); !ok || again != token {
			t.Fatalf("round trip of %q: %q, %v", token, again, ok)
		}
	})
}
