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
