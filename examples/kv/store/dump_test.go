package store

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// dumpSeeds fills a store with a key of each kind and returns their
// payloads.
func dumpSeeds(t testing.TB) (*Store, map[string][]byte) {
	s := New(nil)
	must := func(_ any, err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	s.Set([]byte("s"), []byte("a string"), SetOptions{}, nil)
	s.Set([]byte("empty"), nil, SetOptions{}, nil)
	must(s.Push([]byte("l"), [][]byte{[]byte("a"), []byte("b"), []byte("")}, false, nil))
	must(s.SAdd([]byte("set"), [][]byte{[]byte("x"), []byte("y")}, nil))
	must(s.HSet([]byte("h"), [][]byte{[]byte("f"), []byte("v"), []byte("g"), []byte("")}, nil))
	_, err := s.ZAdd([]byte("z"), ZAddOptions{}, []ZPair{{Score: 1.5, Member: []byte("m")}, {Score: -2, Member: []byte("n")}}, nil)
	must(nil, err)
	// A stream with a group, a consumer and a pending entry: RESTORE
	// reads each of them.
	for i, f := range []string{"a", "b"} {
		must(s.XAdd([]byte("x"), XAddArgs{ID: StreamID{Ms: uint64(i + 1)}, IDGiven: true, SeqGiven: true}, [][]byte{[]byte(f), []byte("v")}, false))
	}
	must(s.XGroupCreate([]byte("x"), []byte("g"), StreamID{}, false, false, -1, nil))
	_, _, _, err = s.XReadGroup([]byte("x"), XReadGroupArgs{Group: []byte("g"), Consumer: []byte("c"), New: true, Count: 1}, false)
	must(nil, err)
	out := map[string][]byte{}
	for _, k := range []string{"s", "empty", "l", "set", "h", "z", "x"} {
		p, ok, err := s.Dump([]byte(k))
		if err != nil || !ok {
			t.Fatalf("DUMP %s: %v %v", k, ok, err)
		}
		out[k] = p
	}
	return s, out
}

// TestDumpRestore restores each kind under another key and wants the
// same payload back, refuses a taken key without replace, and a damaged
// payload.
func TestDumpRestore(t *testing.T) {
	s, payloads := dumpSeeds(t)
	for k, p := range payloads {
		if _, _, err := s.Restore([]byte(k+"2"), p, 0, false, nil); err != nil {
			t.Fatalf("RESTORE %s: %v", k, err)
		}
		back, _, _ := s.Dump([]byte(k + "2"))
		if !bytes.Equal(back, p) && k != "set" && k != "h" { // map order may differ
			t.Errorf("%s: dumped %q, restored dumps %q", k, p, back)
		}
		if s.Type([]byte(k+"2")) != s.Type([]byte(k)) {
			t.Errorf("%s: restored as %v", k, s.Type([]byte(k+"2")))
		}
		if _, _, err := s.Restore([]byte(k), p, 0, false, nil); !errors.Is(err, ErrBusyKey) {
			t.Errorf("RESTORE onto %s: %v", k, err)
		}
		damaged := slices.Clone(p)
		damaged[len(damaged)/2] ^= 1
		if _, _, err := s.Restore([]byte("new"), damaged, 0, true, nil); !errors.Is(err, ErrBadPayload) {
			t.Errorf("a damaged payload of %s: %v", k, err)
		}
	}
	if got, _, _ := s.HMGet([]byte("h2"), [][]byte{[]byte("g"), []byte("f")}); string(got[0]) != "" || got[0] == nil || string(got[1]) != "v" {
		t.Errorf("the restored hash: %q", got)
	}
}

// FuzzRestore feeds RESTORE any payload: it is refused or restores a
// value whose own payload restores again; nothing panics.
func FuzzRestore(f *testing.F) {
	_, payloads := dumpSeeds(f)
	for _, p := range payloads {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		s := New(nil)
		if _, _, err := s.Restore([]byte("k"), p, 0, false, nil); err != nil {
			if !errors.Is(err, ErrBadPayload) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		again, ok, err := s.Dump([]byte("k"))
		if err != nil || !ok {
			t.Fatalf("DUMP after RESTORE: %v %v", ok, err)
		}
		if _, _, err := s.Restore([]byte("k2"), again, 0, false, nil); err != nil {
			t.Fatalf("its own payload does not restore: %v", err)
		}
	})
}
