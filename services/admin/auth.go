package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// openPaths are answered to anyone, with or without a token: a load
// balancer's probes and a Prometheus scraper carry no credentials, and
// what they read is not worth guarding.
var openPaths = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// Why the guard refused a request: the values of the reason label of
// seam_admin_refused_total.
const (
	refusedNoToken    = "no_token"    // 401: a token is required and none was given
	refusedWrongToken = "wrong_token" // 403: the token given is not the Server's
	refusedNotLocal   = "not_loopback"
)

// refusedLogEvery is how often at most a refused request is logged: a
// scan of the port costs a line a second, not one per request.
const refusedLogEvery = time.Second

// guard decides who may use which endpoint (see the package doc's Access)
// in front of every handler, so that an endpoint added later is guarded
// like the rest without a line of its own.
type guard struct {
	next     http.Handler
	token    [sha256.Size]byte
	hasToken bool
	refused  *prometheus.CounterVec
	log      zerolog.Logger
	// clientIP replaces how the client's address is read from a request,
	// so that tests can send from a host that is not this one.
	clientIP func(*http.Request) netip.Addr
}

func newGuard(next http.Handler, token string, log zerolog.Logger, clientIP func(*http.Request) netip.Addr) *guard {
	g := &guard{
		next: next,
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seam_admin_refused_total",
			Help: "Admin requests refused: no_token (401), wrong_token (403), not_loopback (403).",
		}, []string{"reason"}),
		log:      log.Sample(&zerolog.BurstSampler{Burst: 1, Period: refusedLogEvery}),
		clientIP: clientIP,
	}
	for _, r := range []string{refusedNoToken, refusedWrongToken, refusedNotLocal} {
		g.refused.WithLabelValues(r) // a series from the start, at 0
	}
	if token != "" {
		g.token, g.hasToken = sha256.Sum256([]byte(token)), true
	}
	if g.clientIP == nil {
		g.clientIP = remoteIP
	}
	return g
}

// ServeHTTP lets the request through or answers 401 or 403.
func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if openPaths[r.URL.Path] {
		g.next.ServeHTTP(w, r)
		return
	}
	if g.hasToken {
		token, ok := bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="seam admin"`)
			g.refuse(w, r, http.StatusUnauthorized, refusedNoToken, "a bearer token is required\n")
			return
		}
		// Sums of equal length compared in constant time: the time taken
		// tells nothing of how much of a guess was right.
		sum := sha256.Sum256([]byte(token))
		if subtle.ConstantTimeCompare(sum[:], g.token[:]) != 1 {
			g.refuse(w, r, http.StatusForbidden, refusedWrongToken, "wrong token\n")
			return
		}
		g.next.ServeHTTP(w, r)
		return
	}
	if changesState(r) || strings.HasPrefix(r.URL.Path, "/debug/pprof") {
		if ip := g.clientIP(r); !ip.IsValid() || !ip.IsLoopback() {
			g.refuse(w, r, http.StatusForbidden, refusedNotLocal, "only loopback clients may use this endpoint without a token\n")
			return
		}
	}
	g.next.ServeHTTP(w, r)
}

// refuse answers code, counts the refusal and logs it, at most once per
// refusedLogEvery; the line names the client and the path, never the
// Authorization header.
func (g *guard) refuse(w http.ResponseWriter, r *http.Request, code int, reason, body string) {
	g.refused.WithLabelValues(reason).Inc()
	g.log.Warn().Str("client", r.RemoteAddr).Str("method", r.Method).Str("path", r.URL.Path).
		Str("reason", reason).Msg("admin request refused")
	plain(w, code, body)
}

// changesState reports whether r may change the program's state: any
// method but GET and HEAD, as RFC 9110's safe methods (and OPTIONS, which
// nothing here serves, so it is treated as unsafe too).
func changesState(r *http.Request) bool {
	return r.Method != http.MethodGet && r.Method != http.MethodHead
}

// bearer returns the token of an "Authorization: Bearer <token>" header;
// the scheme is case-insensitive (RFC 9110 §11.1).
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// remoteIP is the address of the peer of r's connection.
func remoteIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return ip.Unmap()
}
