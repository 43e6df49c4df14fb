package store

import (
	"slices"
	"testing"
)

// kinds is a Notifier that writes down the kinds of event it hears.
type kinds []KeyEvent

func (k *kinds) Notify(_ int, ev KeyEvent, _ string) { *k = append(*k, ev) }

// SET ... GET of a missing key tells KeyMiss before the KeyNew of the key
// it adds, as Redis sends "keymiss" then "new"; a plain SET, or one that
// finds the key, tells none, and neither is told unless asked for.
func TestSetGetTellsKeyMiss(t *testing.T) {
	s, _, _ := newTestStore(t)
	var heard kinds
	s.SetNotifier(&heard, KeyNew|KeyMiss)
	s.Set(b("k"), b("v"), SetOptions{Get: true}, nil)
	s.Set(b("k"), b("w"), SetOptions{Get: true}, nil)
	s.Set(b("p"), b("v"), SetOptions{}, nil)
	if want := (kinds{KeyMiss, KeyNew, KeyNew}); !slices.Equal(heard, want) {
		t.Fatalf("heard %v, want %v", heard, want)
	}
	heard = nil
	s.SetNotifier(&heard, KeyNew)
	s.Set(b("q"), b("v"), SetOptions{Get: true}, nil)
	if want := (kinds{KeyNew}); !slices.Equal(heard, want) {
		t.Fatalf("KeyMiss not asked for: heard %v, want %v", heard, want)
	}
}
