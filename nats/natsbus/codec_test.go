package natsbus

import (
	"bytes"
	"testing"
)

// FuzzDecode feeds decode arbitrary messages, as anyone can publish on
// the subject: it must never panic nor return slices beyond msg, and what
// it accepts must encode back to a message that decodes the same.
func FuzzDecode(f *testing.F) {
	f.Add(encode([]byte("news"), []byte("hello")))
	f.Add(encode(nil, nil))
	f.Add([]byte{})
	f.Add([]byte{0x80})
	f.Add([]byte{5, 'a'})
	f.Fuzz(func(t *testing.T, msg []byte) {
		ch, p, err := decode(msg)
		if err != nil {
			return
		}
		if len(ch)+len(p) > len(msg) {
			t.Fatalf("decode(%q) = %q, %q: longer than the message", msg, ch, p)
		}
		ch2, p2, err := decode(encode(ch, p))
		if err != nil || !bytes.Equal(ch, ch2) || !bytes.Equal(p, p2) {
			t.Fatalf("round trip of %q, %q: %q, %q, %v", ch, p, ch2, p2, err)
		}
	})
}

func TestDecodeRejects(t *testing.T) {
	for _, msg := range [][]byte{{}, {0x80}, {5, 'a'}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}} {
		if _, _, err := decode(msg); err == nil {
			t.Errorf("decode(%q) accepted", msg)
		}
	}
}
