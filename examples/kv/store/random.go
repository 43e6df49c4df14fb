package store

// SRandMember returns up to count distinct members of key's set chosen at
// random, without changing it (SRANDMEMBER key count, count positive; a
// negative count is SMembers and a draw with repeats, made by the caller
// as it writes them).
func (s *Store) SRandMember(key []byte, count int64) ([][]byte, error) {
	var out [][]byte
	err := s.read(key, KindSet, func(o object) {
		st := o.(*set)
		out = make([][]byte, 0, min(max(count, 0), int64(len(st.m))))
		for m := range st.m { // Go's map iteration starts at a random place
			if int64(len(out)) >= count {
				break
			}
			out = append(out, []byte(m))
		}
	})
	return out, err
}
