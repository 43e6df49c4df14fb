package store

// StreamInfo is what XINFO STREAM reports.
type StreamInfo struct {
	Length        int64
	Nodes         int // listpacks, Redis's radix-tree-keys
	LastID        StreamID
	MaxDeletedID  StreamID
	EntriesAdded  int64
	FirstID       StreamID // recorded-first-entry-id
	Groups        int
	First, Last   *StreamEntry  // without FULL
	Entries       []StreamEntry // with FULL
	GroupsDetails []GroupInfo   // with FULL
}

// GroupInfo is what XINFO GROUPS and XINFO STREAM FULL report of a
// consumer group.
type GroupInfo struct {
	Name        string
	Consumers   int
	Pending     int
	LastID      StreamID
	EntriesRead int64 // -1: unknown
	Lag         int64
	LagKnown    bool
	PEL         []PendingEntry // with FULL
	Members     []ConsumerInfo // with FULL
}

// ConsumerInfo is what XINFO CONSUMERS and XINFO STREAM FULL report of a
// consumer.
type ConsumerInfo struct {
	Name    string
	Seen    int64 // unix milliseconds
	Pending int
	PEL     []PendingEntry // with FULL
}

// XInfoStream returns key's stream's description, with its entries,
// groups and their pending entries (up to count of each, 0: all) if
// full; ErrNoSuchKey if key is missing.
func (s *Store) XInfoStream(key []byte, full bool, count int) (StreamInfo, error) {
	var out StreamInfo
	found, err := s.readStream(key, func(st *stream) {
		out = StreamInfo{Length: st.length, Nodes: len(st.nodes), LastID: st.lastID,
			MaxDeletedID: st.maxDeleted, EntriesAdded: st.entriesAdded, FirstID: st.firstID(),
			Groups: len(st.groups)}
		if !full {
			if f := st.rangeOf(StreamID{}, MaxStreamID, 1, false); len(f) == 1 {
				out.First = &f[0]
			}
			if l := st.rangeOf(StreamID{}, MaxStreamID, 1, true); len(l) == 1 {
				out.Last = &l[0]
			}
			return
		}
		out.Entries = st.rangeOf(StreamID{}, MaxStreamID, count, false)
		out.GroupsDetails = []GroupInfo{}
		for _, name := range st.groupNames() {
			g := st.groups[name]
			gi := st.groupInfo(name, g)
			gi.PEL = pendingOf(&g.pel, count)
			gi.Members = []ConsumerInfo{}
			for _, cn := range g.consumerNames() {
				c := g.consumers[cn]
				gi.Members = append(gi.Members, ConsumerInfo{Name: cn, Seen: c.seen, Pending: c.pel.len(), PEL: pendingOf(&c.pel, count)})
			}
			out.GroupsDetails = append(out.GroupsDetails, gi)
		}
	})
	if err == nil && !found {
		err = ErrNoSuchKey
	}
	return out, err
}

func (st *stream) groupInfo(name string, g *streamGroup) GroupInfo {
	lag, known := st.lag(g)
	return GroupInfo{Name: name, Consumers: len(g.consumers), Pending: g.pel.len(),
		LastID: g.lastID, EntriesRead: g.entriesRead, Lag: lag, LagKnown: known}
}

func pendingOf(l *idList[*streamNack], count int) []PendingEntry {
	out := []PendingEntry{}
	l.each(StreamID{}, func(id StreamID, n *streamNack) bool {
		if count > 0 && len(out) == count {
			return false
		}
		out = append(out, PendingEntry{id, n.owner.name, n.delivered, n.count})
		return true
	})
	return out
}

// XInfoGroups describes key's stream's groups, by name; ErrNoSuchKey if
// key is missing.
func (s *Store) XInfoGroups(key []byte) ([]GroupInfo, error) {
	var out []GroupInfo
	found, err := s.readStream(key, func(st *stream) {
		out = []GroupInfo{}
		for _, name := range st.groupNames() {
			out = append(out, st.groupInfo(name, st.groups[name]))
		}
	})
	if err == nil && !found {
		err = ErrNoSuchKey
	}
	return out, err
}

// XInfoConsumers describes group's consumers, by name: ErrNoSuchKey if
// key is missing, ErrNoGroup if the group is.
func (s *Store) XInfoConsumers(key, group []byte) ([]ConsumerInfo, error) {
	var out []ConsumerInfo
	err := s.readGroup(key, group, ErrNoSuchKey, func(g *streamGroup) {
		out = []ConsumerInfo{}
		for _, cn := range g.consumerNames() {
			c := g.consumers[cn]
			out = append(out, ConsumerInfo{Name: cn, Seen: c.seen, Pending: c.pel.len()})
		}
	})
	return out, err
}
