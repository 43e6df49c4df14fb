package listener

import (
	"reflect"
	"strings"
	"testing"
)

// Every field of Stats has its one description, and Fields hands on each
// field, in order, with its own value.
func TestStatsFieldsDescribeEveryField(t *testing.T) {
	typ := reflect.TypeFor[Stats]()
	var st Stats
	v := reflect.ValueOf(&st).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.CanInt() {
			f.SetInt(int64(i + 1))
		} else {
			f.SetUint(uint64(i + 1))
		}
	}
	fields := st.Fields()
	if len(fields) != typ.NumField() {
		t.Fatalf("%d fields described; Stats has %d", len(fields), typ.NumField())
	}
	seen := map[string]bool{}
	for i, f := range fields {
		name := typ.Field(i).Name
		if f.Name != snake(name) || seen[f.Name] {
			t.Errorf("field %s named %q (seen before: %v)", name, f.Name, seen[f.Name])
		}
		seen[f.Name] = true
		if f.Help == "" || !strings.HasSuffix(f.Help, ".") {
			t.Errorf("field %s: help %q; want a sentence in its help tag", name, f.Help)
		}
		if f.Value != int64(i+1) {
			t.Errorf("field %s: Value %d; want %d", name, f.Value, i+1)
		}
		if signed := typ.Field(i).Type.Kind() != reflect.Uint64; f.Gauge != signed {
			t.Errorf("field %s: Gauge %v", name, f.Gauge)
		}
	}
}

func TestSnake(t *testing.T) {
	for have, want := range map[string]string{
		"Accepted":          "accepted",
		"AtCap":             "at_cap",
		"RejectedPerIP":     "rejected_per_ip",
		"HandshakeTimeouts": "handshake_timeouts",
		"TLSHandshake":      "tls_handshake",
		"MaxConns":          "max_conns",
	} {
		if got := snake(have); got != want {
			t.Errorf("snake(%q) = %q; want %q", have, got, want)
		}
	}
}
