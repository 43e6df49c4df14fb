package store

import (
	"fmt"
	"testing"
)

// benchFields are n field names and values, for the hash benchmarks.
func benchFields(n int) (fields, pairs [][]byte) {
	for i := range n {
		f := []byte(fmt.Sprintf("field:%04d", i))
		fields = append(fields, f)
		pairs = append(pairs, f, []byte("value-value"))
	}
	return fields, pairs
}

// BenchmarkHashSetDel fills a hash of 100 fields one HSET at a time and
// empties it one HDEL at a time: the cost of a write, per field.
func BenchmarkHashSetDel(b *testing.B) {
	s := New(nil)
	key := []byte("h")
	fields, pairs := benchFields(100)
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < len(pairs); i += 2 {
			s.HSet(key, pairs[i:i+2], nil)
		}
		for _, f := range fields {
			s.HDel(key, [][]byte{f}, nil)
		}
	}
}

// BenchmarkHashGet reads fields of a hash of 100 and of 1000 fields.
func BenchmarkHashGet(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := New(nil)
			key := []byte("h")
			fields, pairs := benchFields(n)
			s.HSet(key, pairs, nil)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				s.HGet(key, fields[i%n])
				i++
			}
		})
	}
}

// BenchmarkHashGetAll reads a hash of 100 fields whole (HGETALL).
func BenchmarkHashGetAll(b *testing.B) {
	s := New(nil)
	key := []byte("h")
	_, pairs := benchFields(100)
	s.HSet(key, pairs, nil)
	b.ReportAllocs()
	for b.Loop() {
		s.HGetAll(key)
	}
}
