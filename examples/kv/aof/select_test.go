package aof

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/seamgo/seam/examples/kv/resp"
)

// AppendDB writes a SELECT before a record of another database than the
// record before it, and before the first; Append selects nothing.
func TestAppendDBSelects(t *testing.T) {
	w, _ := loadedWriter(t, Config{})
	for _, r := range []struct {
		db  int
		rec string
	}{{0, "SET a 1"}, {3, "SET b 2"}, {3, "SET c 3"}, {-1, "PING"}, {0, "SET d 4"}, {0, "DEL a"}} {
		var err error
		if r.db < 0 {
			err = w.Append(rec(r.rec))
		} else {
			err = w.AppendDB(r.db, rec(r.rec))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(w.Appended()); err != nil {
		t.Fatal(err)
	}
	have, _, err := loadAll(t, w.cfg.Path)
	want := []string{"SELECT 0", "SET a 1", "SELECT 3", "SET b 2", "SET c 3", "PING", "SELECT 0", "SET d 4", "DEL a"}
	if err != nil || !slices.Equal(have, want) {
		t.Fatalf("replayed %q, %v; want %q", have, err, want)
	}
}

// A rewrite's tail selects the database of each of its records, whatever
// the dump selected last, and the first record appended after the switch
// selects its database again: the new file replays every record into its
// database.
func TestRewriteTailAndSwitchSelect(t *testing.T) {
	w, _ := loadedWriter(t, Config{})
	if err := w.AppendDB(2, rec("SET z 0")); err != nil {
		t.Fatal(err)
	}
	err := w.Rewrite(context.Background(), fakeDump([]string{"SELECT 5", "SET x 1", "SELECT 2", "SET z 0"}, func(s *RewriteSink) {
		if err := s.Append(5, rec("SET y 2"), resp.AppendCommand(nil, rec("SET y 2")...)); err != nil {
			t.Error(err)
		}
		if err := s.AppendRecords(5, [][][]byte{rec("SET y 3")}, [][][]byte{rec("SET y 3")}); err != nil {
			t.Error(err)
		}
		if err := s.AppendRecords(2, [][][]byte{rec("SET z 4")}, [][][]byte{rec("SET z 4")}); err != nil {
			t.Error(err)
		}
		// A write to a key not yet dumped: the old file only. The old
		// file's last database is now 5, the tail's 2.
		if err := s.AppendRecords(5, [][][]byte{rec("SET y 7")}, nil); err != nil {
			t.Error(err)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AppendDB(5, rec("SET y 8")); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(w.Appended()); err != nil {
		t.Fatal(err)
	}
	have, _, err := loadAll(t, w.cfg.Path)
	want := []string{"SELECT 5", "SET x 1", "SELECT 2", "SET z 0",
		"SELECT 5", "SET y 2", "SET y 3", "SELECT 2", "SET z 4", "SELECT 5", "SET y 8"}
	if err != nil || !slices.Equal(have, want) {
		t.Fatalf("replayed %q, %v; want %q", have, err, want)
	}
}

// AppendAllDB appends the records of one write in order, after one SELECT,
// and a failing file refuses them all: nothing of the refused write is
// left for the write that resumes after recovery.
func TestAppendAllDB(t *testing.T) {
	w, d := loadedWriter(t, Config{})
	write := [][][]byte{rec("XCLAIM x g c 0 1-0"), rec("XCLAIM x g c 0 2-0"), rec("XGROUP SETID x g 2-0")}
	if err := w.AppendAllDB(4, write); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(w.Appended()); err != nil {
		t.Fatal(err)
	}
	before := w.Appended()
	d.Fail(true)
	mustAppend(t, w, "SET a 1")
	if err := w.Commit(w.Appended()); !errors.Is(err, ErrFailing) {
		t.Fatalf("Commit on a failing disk: %v, want ErrFailing", err)
	}
	if err := w.AppendAllDB(4, write); !errors.Is(err, ErrFailing) {
		t.Fatalf("AppendAllDB while failing: %v, want ErrFailing", err)
	}
	if have, want := w.Appended(), before+int64(len(resp.AppendCommand(nil, rec("SET a 1")...))); have != want {
		t.Fatalf("appended %d bytes, want %d: the refused write added some", have, want)
	}
	have, _, err := loadAll(t, w.cfg.Path)
	want := []string{"SELECT 4", "XCLAIM x g c 0 1-0", "XCLAIM x g c 0 2-0", "XGROUP SETID x g 2-0"}
	if err != nil || !slices.Equal(have, want) {
		t.Fatalf("replayed %q, %v; want %q", have, err, want)
	}
}
