package store_test

import (
	"fmt"

	"github.com/seamgo/seam/examples/kv/store"
)

func Example() {
	s := store.New(nil) // no journal
	s.Set([]byte("visits"), []byte("41"), store.SetOptions{}, nil)
	n, _ := s.IncrBy([]byte("visits"), 1, nil)
	fmt.Println(n)

	_, _, set, _ := s.Set([]byte("visits"), []byte("0"), store.SetOptions{Mode: store.SetIfAbsent}, nil)
	fmt.Println(set)

	s.Set([]byte("session"), []byte("x"), store.SetOptions{ExpireAt: s.Now() + 60_000}, nil)
	fmt.Println(s.TTL([]byte("session")) > 59_000, s.TTL([]byte("visits")))
	// Output:
	// 42
	// false
	// true -1
}

func ExampleMatch() {
	fmt.Println(store.Match("user:*:name", "user:42:name"), store.Match("h[ae]llo", "hillo"))
	// Output: true false
}
