package server

import (
	"strconv"
	"strings"
	"sync"

	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

// settable is the part of the configuration CONFIG SET may change at run
// time: the encoding thresholds, which the store's writes judge by, and the
// list settings that Redis's own tests set before they run (kv stores them
// and reports them; its lists have one form whatever they say). The
// keyspace notifications' classes (notify-keyspace-events) are the
// notifier's (notify.go). The rest is fixed by kv's flags.
type settable struct {
	mu   sync.RWMutex
	vals map[string]int64 // by canonical name
}

// settableParams are the parameters CONFIG SET takes, with Redis 7.0's
// defaults; aliases maps Redis's older names to them.
var (
	settableParams = map[string]int64{
		"hash-max-listpack-entries": 128,
		"hash-max-listpack-value":   64,
		"zset-max-listpack-entries": 128,
		"zset-max-listpack-value":   64,
		"set-max-intset-entries":    512,
		"list-max-listpack-size":    -2,
		"list-compress-depth":       0,
		"stream-node-max-entries":   100,
		"stream-node-max-bytes":     4096,
	}
	aliases = map[string]string{
		"hash-max-ziplist-entries": "hash-max-listpack-entries",
		"hash-max-ziplist-value":   "hash-max-listpack-value",
		"zset-max-ziplist-entries": "zset-max-listpack-entries",
		"zset-max-ziplist-value":   "zset-max-listpack-value",
		"list-max-ziplist-size":    "list-max-listpack-size",
	}
)

func (s *settable) get(name string) int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.getLocked(name)
}

func (s *settable) getLocked(name string) int64 {
	if v, ok := s.vals[name]; ok {
		return v
	}
	return settableParams[name]
}

// limitsLocked returns the encoding thresholds as they are set now; s.mu
// must be held.
func (s *settable) limitsLocked() store.EncodingLimits {
	return store.EncodingLimits{
		HashEntries: s.getLocked("hash-max-listpack-entries"), HashValue: s.getLocked("hash-max-listpack-value"),
		ZSetEntries: s.getLocked("zset-max-listpack-entries"), ZSetValue: s.getLocked("zset-max-listpack-value"),
		SetIntEntries: s.getLocked("set-max-intset-entries"),
	}
}

// params returns every settable parameter under its name and its alias,
// for CONFIG GET.
func (s *settable) params() [][2]string {
	var out [][2]string
	for name := range settableParams {
		out = append(out, [2]string{name, strconv.FormatInt(s.get(name), 10)})
	}
	for alias, name := range aliases {
		out = append(out, [2]string{alias, strconv.FormatInt(s.get(name), 10)})
	}
	return out
}

// configSet is CONFIG SET param value [param value ...]: all of them or
// none, as in Redis 7.
func (c *conn) configSet(args [][]byte) {
	if len(args) < 4 || len(args)%2 != 0 {
		c.w.WriteError(wrongArgs("config|set"))
		return
	}
	set := make(map[string]int64, len(args)/2-1)
	given := make(map[string]bool, len(args)/2-1)
	var events KeyspaceEvents
	setEvents := false
	for i := 2; i < len(args); i += 2 {
		name := strings.ToLower(string(args[i]))
		// A name given twice is refused, whatever it names; a name and
		// its alias are not the same name, and the later one wins, as in
		// Redis 7.0.
		if given[name] {
			c.w.WriteError(configSetFailed(args[i], "duplicate parameter"))
			return
		}
		given[name] = true
		if canon, ok := aliases[name]; ok {
			name = canon
		}
		if name == "notify-keyspace-events" {
			ev, err := ParseKeyspaceEvents(string(args[i+1]))
			if err != nil {
				c.w.WriteError(configSetFailed(args[i], errEventClass))
				return
			}
			events, setEvents = ev, true
			continue
		}
		if _, ok := settableParams[name]; !ok {
			if c.currentValue(name, args[i+1]) {
				continue // a fixed setting set to what it is: nothing to change
			}
			c.w.WriteError(c.notSettable(name, args[i]))
			return
		}
		n, ok := resp.ParseInt(args[i+1])
		if !ok || n < 0 && name != "list-max-listpack-size" {
			c.w.WriteError(configSetFailed(args[i], "argument couldn't be parsed into an integer"))
			return
		}
		set[name] = n
	}
	s := &c.h.settable
	s.mu.Lock()
	if s.vals == nil {
		s.vals = make(map[string]int64)
	}
	for k, v := range set {
		s.vals[k] = v
	}
	// Set under s.mu, so that two CONFIG SETs reach the store in the
	// order they changed vals.
	c.db.SetEncodingLimits(s.limitsLocked())
	s.mu.Unlock()
	if setEvents {
		c.h.notify.configure(events)
	}
	c.w.WriteOK()
}

// configSetFailed is Redis 7's error for a CONFIG SET that refuses the
// parameter arg, and why.
func configSetFailed(arg []byte, why string) string {
	return "ERR CONFIG SET failed (possibly related to argument '" + string(arg) + "') - " + why
}

// notSettable is the error for a parameter CONFIG SET does not take:
// Redis's for one kv does not know, kv's own for one its flags fix.
func (c *conn) notSettable(name string, arg []byte) string {
	for _, p := range c.configParams() {
		if p[0] == name {
			return "ERR CONFIG SET '" + string(arg) + "' is not supported: kv takes it from its flags"
		}
	}
	return "ERR Unknown option or number of arguments for CONFIG SET - '" + string(arg) + "'"
}

// currentValue reports whether name is one of the settings kv's flags fix
// and val is its value: CONFIG SET save "" on a server that never saves,
// as Redis's test suite sends before its tests, changes nothing and is
// answered OK.
func (c *conn) currentValue(name string, val []byte) bool {
	for _, p := range c.configParams() {
		if p[0] == name {
			return p[1] == string(val)
		}
	}
	return false
}
