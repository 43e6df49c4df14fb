package server

import "testing"

// objectScript exercises OBJECT ENCODING under Redis's default thresholds
// and under thresholds changed with CONFIG SET, and CONFIG SET's errors.
var objectScript = []string{
	"SET i 12345", "SET neg -5", "SET lead 012", "SET big 123456789012345678901234", "SET short hello",
	"SET long aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	"OBJECT ENCODING i", "OBJECT ENCODING neg", "OBJECT ENCODING lead", "OBJECT ENCODING big",
	"OBJECT ENCODING short", "OBJECT ENCODING long", "OBJECT ENCODING nokey", "OBJECT REFCOUNT nokey",
	"RPUSH l a b", "OBJECT ENCODING l",
	"SADD si 1 2 3", "OBJECT ENCODING si", "SADD sh 1 a", "OBJECT ENCODING sh", "SADD sb 99999999999999999999", "OBJECT ENCODING sb",
	"HSET h f v", "OBJECT ENCODING h", "HSET hl f aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "OBJECT ENCODING hl",
	"ZADD z 1 a", "OBJECT ENCODING z",
	"CONFIG SET set-max-intset-entries 2", "SADD si2 1 2 3", "OBJECT ENCODING si2",
	"CONFIG SET hash-max-ziplist-entries 1", "HSET h2 a 1 b 2", "OBJECT ENCODING h2", "CONFIG GET hash-max-ziplist-entries",
	"CONFIG GET hash-max-listpack-entries",
	"CONFIG SET zset-max-listpack-entries 0", "ZADD z2 1 a", "OBJECT ENCODING z2", "CONFIG GET zset-max-ziplist-entries",
	"CONFIG SET zset-max-ziplist-value 1 zset-max-ziplist-entries 128", "ZADD z3 1 ab", "OBJECT ENCODING z3",
	"CONFIG SET list-max-ziplist-size -1", "CONFIG GET list-max-listpack-size", "CONFIG SET list-compress-depth 2",
	"CONFIG SET nosuch 1", "CONFIG SET set-max-intset-entries abc", "CONFIG SET set-max-intset-entries",
	"OBJECT FOO x", "OBJECT ENCODING",
	"CONFIG SET set-max-intset-entries 3 SET-max-intset-entries 4", "CONFIG SET maxmemory-policy noeviction maxmemory-policy noeviction",
	"CONFIG SET notify-keyspace-events KEA notify-keyspace-events Ex", "CONFIG GET notify-keyspace-events",
	"CONFIG SET hash-max-ziplist-entries 5 hash-max-listpack-entries 6", "CONFIG GET hash-max-ziplist-entries",
}

func TestObjectSideBySide(t *testing.T) { sideBySide(t, objectScript) }

// CONFIG SET of a setting kv's flags fix is accepted only when it sets the
// value the setting has.
func TestConfigSetFixed(t *testing.T) {
	ts := startServer(t, serverOpts{})
	c := ts.dial(t)
	for _, st := range []struct {
		args []string
		want string
	}{
		{[]string{"CONFIG", "SET", "save", ""}, `"OK"`},
		{[]string{"CONFIG", "SET", "save", "900 1"}, "(error) ERR CONFIG SET 'save' is not supported: kv takes it from its flags"},
		{[]string{"CONFIG", "SET", "save", "", "set-max-intset-entries", "3"}, `"OK"`},
		{[]string{"CONFIG", "GET", "set-max-intset-entries"}, `["set-max-intset-entries", "3"]`},
		{[]string{"CONFIG", "SET", "appendonly", "yes"}, "(error) ERR CONFIG SET 'appendonly' is not supported: kv takes it from its flags"},
	} {
		if got := do(t, c, st.args...); got != st.want {
			t.Errorf("%q: %s, want %s", st.args, got, st.want)
		}
	}
}
