package store

import (
	"fmt"
	"testing"
)

// Every member of a set is drawn about as often as the others by a
// one-member SRandMember: a draw that favoured where Go's map iteration
// starts would not be. The bound is loose (each expected 1000 times of
// 10,000): it fails a skewed draw, not an unlucky fair one.
func TestSRandMemberIsUniform(t *testing.T) {
	s := New(nil)
	var members [][]byte
	for _, m := range "abcdefghij" {
		members = append(members, []byte{byte(m)})
	}
	if _, err := s.SAdd([]byte("s"), members, nil); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for range 10000 {
		got, _, err := s.SRandMember([]byte("s"), 1)
		if err != nil || len(got) != 1 {
			t.Fatalf("SRandMember: %q %v", got, err)
		}
		seen[string(got[0])]++
	}
	for _, m := range members {
		if n := seen[string(m)]; n < 700 || n > 1300 {
			t.Errorf("%q drawn %d times of 10000, want about 1000: %v", m, n, seen)
		}
	}
}

// RandomKey draws each key about as often as the others, wherever the
// keys' shards lie: two keys in neighbouring shards, the rest empty, are
// the worst case for a draw that picks a shard and walks on to the next
// with keys (the second key would come up once in 256 draws). The bound
// is loose (each expected 2,000 times of 4,000): it fails a skewed draw,
// not an unlucky fair one.
func TestRandomKeyIsFair(t *testing.T) {
	s := New(nil)
	var a, b string
	byShard := map[int]string{}
	for i := 0; a == ""; i++ {
		k := fmt.Sprintf("k%d", i)
		at := s.shardIndex([]byte(k))
		if prev, ok := byShard[(at+NumShards-1)%NumShards]; ok {
			a, b = prev, k
		}
		byShard[at] = k
	}
	for _, k := range []string{a, b} {
		if _, _, _, err := s.Set([]byte(k), []byte("v"), SetOptions{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]int{}
	for range 4000 {
		k, ok := s.RandomKey()
		if !ok {
			t.Fatal("RandomKey found no key")
		}
		seen[k]++
	}
	for _, k := range []string{a, b} {
		if n := seen[k]; n < 1200 || n > 2800 {
			t.Errorf("RandomKey drew %s %d times of 4000 (%v), want about 2000", k, n, seen)
		}
	}
}

// RandomKey passes over a key past its expiry and answers none when every
// key is.
func TestRandomKeySkipsExpired(t *testing.T) {
	s, _, c := newTestStore(t)
	if _, _, _, err := s.Set(b("gone"), b("v"), SetOptions{ExpireAt: c.now() + 10}, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.Set(b("kept"), b("v"), SetOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	c.add(20)
	for range 100 {
		if k, ok := s.RandomKey(); !ok || k != "kept" {
			t.Fatalf("RandomKey = %q, %v; want kept", k, ok)
		}
	}
	if _, err := s.Del(b("kept"), nil); err != nil {
		t.Fatal(err)
	}
	if k, ok := s.RandomKey(); ok {
		t.Fatalf("RandomKey = %q with every key expired, want none", k)
	}
}
