package server

import (
	"crypto/sha256"
	"crypto/subtle"

	"github.com/rs/zerolog"
)

// Redis 7's replies about authentication, word for word: clients and
// their users match on them.
const (
	errNoAuth    = "NOAUTH Authentication required."
	errWrongPass = "WRONGPASS invalid username-password pair or user is disabled."
	errNoPassSet = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	errHelloAuth = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
)

// defaultUser is the one user kv knows, Redis's "default": AUTH with one
// argument and redis-cli's --user default both name it.
const defaultUser = "default"

// Password is the secret a client must give (AUTH password, AUTH default
// password, or HELLO 2 AUTH default password) before any command but
// AUTH, HELLO and QUIT: Redis's requirepass. It holds only the password's
// SHA-256 sum, so the password is in no field that a log line, a %v of a
// Config, CLIENT LIST, INFO or a crash dump could print; comparing sums
// of equal length also makes the comparison take the same time whatever
// the guess. The zero Password is no password: every client is
// authenticated from the start, as Redis's default user with nopass.
type Password struct {
	sum [sha256.Size]byte
	set bool
}

// NewPassword returns the Password p; an empty p is no password, as
// Redis's requirepass "".
func NewPassword(p string) Password {
	if p == "" {
		return Password{}
	}
	return Password{sum: sha256.Sum256([]byte(p)), set: true}
}

// IsSet reports whether a password is required.
func (p Password) IsSet() bool { return p.set }

// String says whether a password is set, never what it is.
func (p Password) String() string {
	if p.set {
		return "[password set]"
	}
	return "[no password]"
}

// GoString is String, so that %#v prints no sum either.
func (p Password) GoString() string { return p.String() }

// matches reports, in constant time, whether guess is the password.
func (p Password) matches(guess []byte) bool {
	sum := sha256.Sum256(guess)
	return subtle.ConstantTimeCompare(sum[:], p.sum[:]) == 1
}

// authFailLogEvery is how often at most a failed authentication is
// logged: a client guessing passwords costs a line a second, each with the
// count of the failures not logged.
const authFailLogEvery = badClientLogEvery

// refusedUnauthenticated answers NOAUTH, and reports true, for a command
// other than AUTH, HELLO and QUIT from a client that has not
// authenticated (the caller checks c.authed first, so that an
// authenticated client pays one test per command). It comes after the
// arity check, as in Redis, so that an unknown command or a wrong arity
// is answered as such. The append-only file's replay runs as no client.
func (c *conn) refusedUnauthenticated(cmd *command) bool {
	if c.replay || cmd.flags&flagNoAuth != 0 {
		return false
	}
	c.w.WriteError(errNoAuth)
	return true
}

// authenticate checks user and password as Redis's ACL does for its one
// user, "default": without a password any password is right for it, with
// one only that one; any other user is refused. A success authenticates
// the connection; a failure leaves it as it was (an authenticated client
// stays so), is counted, and is logged at most once a second, with the
// client's address and never the password.
func (c *conn) authenticate(user, password []byte) bool {
	ok := string(user) == defaultUser
	if pw := c.h.cfg.RequirePass; pw.IsSet() {
		// Hash even for an unknown user, so that the time taken does not
		// tell a wrong user from a wrong password.
		ok = pw.matches(password) && ok
	}
	if ok {
		c.authed = true
		return true
	}
	c.h.authFailures.Add(1)
	if held, ok := c.h.authFails.allow(c.h.cfg.now()); ok {
		zerolog.Ctx(c.ctx).Warn().Int64("not_logged", held).Int64("failures", c.h.authFailures.Load()).
			Msg("authentication failed")
	}
	return false
}

// cmdAuth is AUTH password and AUTH username password.
func cmdAuth(c *conn, args [][]byte) {
	switch {
	case len(args) > 3:
		c.w.WriteError(errSyntax)
		return
	case len(args) == 2 && !c.h.cfg.RequirePass.IsSet():
		c.w.WriteError(errNoPassSet)
		return
	}
	user, password := []byte(defaultUser), args[1]
	if len(args) == 3 {
		user, password = args[1], args[2]
	}
	if !c.authenticate(user, password) {
		c.w.WriteError(errWrongPass)
		return
	}
	c.w.WriteOK()
}

// AuthFailures returns how many AUTH and HELLO ... AUTH attempts have
// failed since the start: INFO's acl_access_denied_auth (Redis 7.2's
// name) and kv's metric.
func (h *Handler) AuthFailures() int64 { return h.authFailures.Load() }
