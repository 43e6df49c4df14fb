package aof

import (
	"context"
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
		if err := s.AppendRecords(5, rec("SET y 3"), [][][]byte{rec("SET y 3")}); err != nil {
			t.Error(err)
		}
		if err := s.AppendRecords(2, rec("SET z 4"), [][][]byte{rec("SET z 4")}); err != nil {
			t.Error(err)
		}
		// A write to a key not yet dumped: the old file only. The old
		// file's last database is now 5, the tail's 2.
		if err := s.AppendRecords(5, rec("SET y 7"), nil); err != nil {
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
