package logfield

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{4156112924 * time.Nanosecond, "4.2s"},
		{9500 * time.Millisecond, "9.5s"},
		{12345 * time.Millisecond, "12s"},
		{730123 * time.Microsecond, "730ms"},
		{1500 * time.Microsecond, "1.5ms"},
		{85123 * time.Nanosecond, "85us"},
		{999 * time.Nanosecond, "999ns"},
		{90*time.Second + 400*time.Millisecond, "1m30s"},
		{-2 * time.Second, "-2s"},
		{time.Second, "1s"},
	} {
		if have := Duration(tc.in).String(); have != tc.want {
			t.Errorf("Duration(%v) = %q; want %q", tc.in, have, tc.want)
		}
	}
}
