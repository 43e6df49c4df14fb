package store

// KeyEvent is a change the store makes to a key on its own account, which
// a server's keyspace notifications report: the writes that cause it do
// not know it happened.
type KeyEvent uint8

// The KeyEvents.
const (
	// KeyNew: a write added the key (Redis's "new" event). A key that
	// RENAME, COPY or RESTORE writes is new even if it replaced one, as
	// Redis deletes the old one first; a key the STORE forms write is new
	// only if it was missing.
	KeyNew KeyEvent = 1 << iota
	// KeyExpired: the key's time had passed, and a lookup or Sweep removed
	// it (Redis's "expired" event).
	KeyExpired
	// KeyMiss: a write that reads the key first (SET ... GET) found it
	// missing (Redis's "keymiss" event), told before the KeyNew of the
	// key it then adds, as Redis sends them.
	KeyMiss
)

// A Notifier hears of the KeyEvents it was set for (see
// [Store.SetNotifier]). Notify is called at the moment of the change, with
// the key's shard write-locked, so a key's events come in the order of its
// changes, and before the events the write's caller sends for its own
// command (Redis sends "expired" and "new" before them too). It must be
// quick and must not call back into the Store.
type Notifier interface {
	Notify(db int, ev KeyEvent, key string)
}

// notifying is what SetNotifier set, shared by every database.
type notifying struct {
	n    Notifier
	mask KeyEvent
}

// SetNotifier makes n hear of the events in mask, in every database, from
// now on; a nil n or a mask of 0 turns it off. It is safe at any time.
// While it is off, a write pays one atomic load where it adds a key.
func (s *Store) SetNotifier(n Notifier, mask KeyEvent) {
	if n == nil || mask == 0 {
		s.notify.Store(nil)
		return
	}
	s.notify.Store(&notifying{n: n, mask: mask})
}

// tell gives ev about key of s to the Notifier, if it asked for ev. The
// key's shard is write-locked.
func (s *Store) tell(ev KeyEvent, key string) {
	if n := s.notifierFor(ev); n != nil {
		n.Notify(s.db, ev, key)
	}
}

// notifierFor returns the Notifier if it asked for ev, and nil during a
// replay (SetLoading): its writes were told of when they were made.
func (s *Store) notifierFor(ev KeyEvent) Notifier {
	if n := s.notify.Load(); n != nil && n.mask&ev != 0 && !s.loading.Load() {
		return n.n
	}
	return nil
}

// added tells of e, a key just added.
func (s *Store) added(e *entry) { s.tell(KeyNew, e.key) }

// missed tells of key, found missing by a write that reads it first. The
// key is made a string only if the Notifier asked for KeyMiss.
func (s *Store) missed(key []byte) {
	if n := s.notifierFor(KeyMiss); n != nil {
		n.Notify(s.db, KeyMiss, string(key))
	}
}
