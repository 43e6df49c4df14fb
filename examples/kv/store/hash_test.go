package store

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// hashFields returns key's fields in the order HGETALL gives them.
func hashFields(t *testing.T, s *Store, key string) string {
	t.Helper()
	all, err := s.HGetAll(b(key))
	if err != nil {
		t.Fatal(err)
	}
	var f []string
	for i := 0; i < len(all); i += 2 {
		f = append(f, string(all[i])+"="+string(all[i+1]))
	}
	return strings.Join(f, " ")
}

// A hash keeps the order its fields were first set in, through updates,
// deletions (and the compaction of the holes they leave), COPY, DUMP and
// RESTORE, and the records of a rewrite.
func TestHashKeepsFieldOrder(t *testing.T) {
	s := New(nil)
	s.HSet(b("h"), rec("c", "3", "a", "1", "b", "2", "e", "5", "d", "4"), nil)
	s.HSet(b("h"), rec("a", "10"), nil)
	s.HDel(b("h"), rec("e"), nil)
	s.HSetNX(b("h"), b("e"), b("50"), nil)
	s.HIncrBy(b("h"), b("c"), 1, nil)
	const want = "c=4 a=10 b=2 d=4 e=50"
	if have := hashFields(t, s, "h"); have != want {
		t.Fatalf("HGETALL: %s, want %s", have, want)
	}

	// Many deletions: the holes are squeezed out, the order stays.
	var pairs, fields [][]byte
	for i := range 1000 {
		pairs = append(pairs, b(fmt.Sprint("f", i)), b(fmt.Sprint(i)))
		if i%3 != 0 {
			fields = append(fields, b(fmt.Sprint("f", i)))
		}
	}
	s.HSet(b("big"), pairs, nil)
	s.HDel(b("big"), fields, nil)
	all, _ := s.HGetAll(b("big"))
	for i := 0; i < len(all); i += 2 {
		if want := fmt.Sprint("f", 3*i/2); string(all[i]) != want {
			t.Fatalf("field %d after deletions: %s, want %s", i/2, all[i], want)
		}
	}
	if h := s.shard(b("big")).keys["big"].obj.(*hash); len(h.fields) > 2*h.size() {
		t.Errorf("%d slots hold %d fields: the holes were not squeezed out", len(h.fields), h.size())
	}

	if _, _, err := s.Copy(b("h"), s, b("h2"), false, nil); err != nil {
		t.Fatal(err)
	}
	if have := hashFields(t, s, "h2"); have != want {
		t.Errorf("COPY: %s, want %s", have, want)
	}
	payload, _, _ := s.Dump(b("h"))
	if _, _, err := s.Restore(b("h3"), payload, 0, false, nil); err != nil {
		t.Fatal(err)
	}
	if have := hashFields(t, s, "h3"); have != want {
		t.Errorf("RESTORE: %s, want %s", have, want)
	}
	var d dumpBuf
	s.shard(b("h")).keys["h"].obj.appendRecords(&d, "h")
	var body bytes.Buffer
	if _, err := d.b.WriteTo(&body, 0); err != nil {
		t.Fatal(err)
	}
	if have := strings.Join(strings.Fields(strings.ReplaceAll(body.String(), "\r\n", " ")), " "); !strings.Contains(have, "$1 c $1 4 $1 a $2 10 $1 b $1 2 $1 d $1 4 $1 e $2 50") {
		t.Errorf("rewrite's records: %s", have)
	}
}

func mustEncoding(t *testing.T, s *Store, key, want string) {
	t.Helper()
	if have, _ := s.Encoding(b(key)); have != want {
		t.Errorf("encoding of %s: %s, want %s", key, have, want)
	}
}

// A hash is a listpack until a write takes it over the thresholds in
// force at that write; then it is a hashtable for good, as in Redis.
func TestHashEncodingConvertsOneWay(t *testing.T) {
	s := New(nil)
	s.SetEncodingLimits(EncodingLimits{HashEntries: 2, HashValue: 3})
	s.HSet(b("h"), rec("a", "1", "b", "2"), nil)
	mustEncoding(t, s, "h", "listpack")
	s.HSet(b("h"), rec("c", "3"), nil)
	mustEncoding(t, s, "h", "hashtable")
	s.HDel(b("h"), rec("a", "b"), nil)
	mustEncoding(t, s, "h", "hashtable")

	s.HSet(b("v"), rec("a", "1"), nil)
	s.HSetNX(b("v"), b("a"), b("long"), nil) // refused: no conversion
	mustEncoding(t, s, "v", "listpack")
	s.HIncrByFloat(b("v"), b("a"), 0.5, nil) // 1.5: 3 bytes
	mustEncoding(t, s, "v", "listpack")
	s.HIncrBy(b("v"), b("b"), 1000, nil)
	mustEncoding(t, s, "v", "hashtable")

	// Thresholds changed later leave a stored hash alone until it is
	// written to.
	s.HSet(b("w"), rec("a", "1"), nil)
	s.SetEncodingLimits(EncodingLimits{HashEntries: 0, HashValue: 3})
	mustEncoding(t, s, "w", "listpack")
	s.HSet(b("w"), rec("a", "2"), nil)
	mustEncoding(t, s, "w", "hashtable")

	// RESTORE decides by size under the thresholds in force.
	s.SetEncodingLimits(EncodingLimits{HashEntries: 2, HashValue: 3})
	payload, _, _ := s.Dump(b("h")) // a hashtable of one field
	s.Restore(b("r"), payload, 0, false, nil)
	mustEncoding(t, s, "r", "listpack")
	s.SetEncodingLimits(EncodingLimits{HashEntries: 0, HashValue: 3})
	s.Restore(b("r2"), payload, 0, false, nil)
	mustEncoding(t, s, "r2", "hashtable")

	// COPY keeps the encoding.
	s.Copy(b("v"), s, b("v2"), false, nil)
	mustEncoding(t, s, "v2", "hashtable")
	s.SetEncodingLimits(DefaultEncodingLimits)
	s.Copy(b("r"), s, b("r3"), false, nil)
	mustEncoding(t, s, "r3", "listpack")
	if have := hashFields(t, s, "r3"); have != "c=3" {
		t.Errorf("COPY: %s", have)
	}
}
