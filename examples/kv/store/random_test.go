package store

import "testing"

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
