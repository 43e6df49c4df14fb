package store

import "errors"

// ErrRewriting refuses a SWAPDB while the journal is being rewritten.
var ErrRewriting = errors.New("store: not possible while the append-only file is being rewritten")

// SwapDB exchanges the keys of databases a and b (SWAPDB): a client that
// selected a sees what b held, and the reverse. It journals rec. Every
// shard of both is locked meanwhile. It is refused while a rewrite runs:
// the rewrite dumps each database by its number, and a swap in the middle
// would leave the new file with one database's keys under the other's.
func (s *Store) SwapDB(a, b int, rec [][]byte) error {
	if a == b {
		return nil
	}
	da, dbb := s.dbs[min(a, b)], s.dbs[max(a, b)]
	for _, d := range []*Store{da, dbb} {
		for i := range d.shards {
			d.shards[i].mu.Lock()
		}
	}
	defer func() {
		for _, d := range []*Store{da, dbb} {
			for i := range d.shards {
				d.shards[i].mu.Unlock()
			}
		}
	}()
	if s.dbs[0].rewriting.Load() {
		return ErrRewriting
	}
	if s.journal != nil && rec != nil {
		if err := s.journal.AppendDB(s.db, rec); err != nil {
			return err
		}
	}
	for i := range da.shards {
		x, y := &da.shards[i], &dbb.shards[i]
		x.keys, y.keys = y.keys, x.keys
		x.volatile, y.volatile = y.volatile, x.volatile
		x.forms, y.forms = y.forms, x.forms
	}
	return nil
}
