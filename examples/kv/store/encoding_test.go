package store

import "testing"

// A string worked on in place (APPEND, SETRANGE, SETBIT) is "raw" and an
// INCRBYFLOAT result never "int", whatever their size, until a write of a
// whole value; COPY, RENAME and MOVE keep the encoding, as Redis does.
func TestStringEncodingRemembered(t *testing.T) {
	s := New(nil)
	for i, st := range []struct {
		do   func()
		key  string
		want string
	}{
		{func() { s.Set(b("i"), b("1234"), SetOptions{}, nil) }, "i", "int"},
		{func() { s.SetRange(b("i"), 0, b("2"), nil) }, "i", "raw"},
		{func() { s.Set(b("i"), b("1234"), SetOptions{}, nil) }, "i", "int"},
		{func() { s.SetRange(b("i"), 0, nil, nil) }, "i", "int"},
		{func() { s.Append(b("a"), b("12"), nil) }, "a", "int"},
		{func() { s.Append(b("a"), b("3"), nil) }, "a", "raw"},
		{func() { s.IncrBy(b("a"), 1, nil) }, "a", "int"},
		{func() { s.SetBit(b("a"), 1, false, nil) }, "a", "raw"},
		{func() { s.IncrByFloat(b("f"), 3, nil) }, "f", "embstr"},
		{func() { s.Copy(b("a"), s, b("c"), false, nil) }, "c", "raw"},
		{func() { s.Rename(b("c"), b("r"), nil) }, "r", "raw"},
		{func() { s.Move(b("r"), s.DB(1), nil) }, "r", "none"},
		{func() { s.Del(b("a"), nil); s.Set(b("a"), b("5"), SetOptions{}, nil) }, "a", "int"},
	} {
		st.do()
		have, ok := s.Encoding(b(st.key))
		if !ok {
			have = "none"
		}
		if have != st.want {
			t.Errorf("step %d: %s is %s, want %s", i, st.key, have, st.want)
		}
	}
	if have, _ := s.DB(1).Encoding(b("r")); have != "raw" {
		t.Errorf("MOVE: %s, want raw", have)
	}
}

// A set is an intset until a member an intset cannot hold, or one too
// many under the thresholds in force, makes it a hashtable for good; a
// set built anew (a STORE, RESTORE, SPOP leaving few) takes the encoding
// its members give it.
func TestSetEncodingConvertsOneWay(t *testing.T) {
	s := New(nil)
	s.SetEncodingLimits(EncodingLimits{SetIntEntries: 3})
	s.SAdd(b("s"), rec("1", "2", "3"), nil)
	mustEncoding(t, s, "s", "intset")
	s.SAdd(b("s"), rec("a"), nil)
	mustEncoding(t, s, "s", "hashtable")
	s.SRem(b("s"), rec("a"), nil)
	mustEncoding(t, s, "s", "hashtable")
	s.SetStore(b("st"), rec("1", "2", "3"), nil)
	mustEncoding(t, s, "st", "intset")
	s.SetStore(b("st"), rec("1", "2", "3", "4"), nil)
	mustEncoding(t, s, "st", "hashtable")
	payload, _, _ := s.Dump(b("s"))
	s.Restore(b("r"), payload, 0, false, nil)
	mustEncoding(t, s, "r", "intset")
	s.Copy(b("s"), s, b("c"), false, nil)
	mustEncoding(t, s, "c", "hashtable")
	s.SAdd(b("p"), rec("1", "2", "3", "4", "5", "6", "7"), nil)
	s.SPop(b("p"), 5, nil) // 2 left: 2*5 > 5, the set is kept
	mustEncoding(t, s, "p", "hashtable")
	s.SPop(b("p"), 1, nil) // 1 left: 1*5 > 1, kept
	mustEncoding(t, s, "p", "hashtable")
	s.SAdd(b("q"), rec("1", "2", "3", "4", "5", "6", "7"), nil)
	s.SPop(b("q"), 6, nil) // 1 left: 1*5 <= 6, built anew
	mustEncoding(t, s, "q", "intset")
}
