package kvtest

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func openDiskFile(t *testing.T, d *Disk) (*File, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	df := d.Wrap(f)
	t.Cleanup(func() { df.Close() })
	return df, path
}

// A failing disk refuses writes and syncs with ErrNoSpace, a torn one
// after writing half; mended, it writes whole again. Every sync counts.
func TestDiskFaults(t *testing.T) {
	for _, tc := range []struct {
		torn bool
		want string // the file after a write, a failing write and a write
	}{
		{torn: false, want: "abcdwxyz"},
		{torn: true, want: "abcd12wxyz"},
	} {
		d := &Disk{Torn: tc.torn}
		f, path := openDiskFile(t, d)
		if _, err := f.Write([]byte("abcd")); err != nil {
			t.Fatal(err)
		}
		d.Fail(true)
		n, err := f.Write([]byte("1234"))
		if !errors.Is(err, ErrNoSpace) || n != len(tc.want)-8 {
			t.Fatalf("torn=%v: failing write = %d, %v; want %d, ErrNoSpace", tc.torn, n, err, len(tc.want)-8)
		}
		if err := f.Sync(); !errors.Is(err, ErrNoSpace) {
			t.Fatalf("torn=%v: failing sync = %v, want ErrNoSpace", tc.torn, err)
		}
		d.Fail(false)
		if _, err := f.Write([]byte("wxyz")); err != nil {
			t.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
		if d.Syncs() != 2 {
			t.Fatalf("torn=%v: %d syncs counted, want 2", tc.torn, d.Syncs())
		}
		if b, _ := os.ReadFile(path); string(b) != tc.want {
			t.Fatalf("torn=%v: file holds %q, want %q", tc.torn, b, tc.want)
		}
		if have := FileSize(t, path); have != int64(len(tc.want)) {
			t.Fatalf("torn=%v: FileSize = %d, want %d", tc.torn, have, len(tc.want))
		}
	}
}
