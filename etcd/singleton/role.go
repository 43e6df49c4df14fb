package singleton

// Role is what a [Service] is doing in its election.
type Role int

const (
	// RoleStopped: Serve is not running.
	RoleStopped Role = iota
	// RoleStandby: campaigning (or retrying etcd); Child is not running.
	RoleStandby
	// RoleLeader: leading; Child runs.
	RoleLeader
)

// String returns "stopped", "standby" or "leader".
func (r Role) String() string {
	switch r {
	case RoleStandby:
		return "standby"
	case RoleLeader:
		return "leader"
	}
	return "stopped"
}

// Stats is a Service's state at one moment.
type Stats struct {
	// Role is the current role.
	Role Role
	// Fence is the current term's fence while leading, zero otherwise.
	Fence Fence
	// Terms counts the terms this Service has led since it was built.
	Terms int64
	// Lost counts the terms that ended without a stop asking: the lease
	// was in doubt or gone, or Child's supervisor ended by itself.
	Lost int64
	// Reclaimed counts the leases of instances ahead in the election
	// that this Service revoked, their holders having stopped renewing
	// them, instead of waiting for etcd to expire them.
	Reclaimed int64
}

// Stats returns the Service's state. It is safe to call at any time, from
// any goroutine.
func (s *Service) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Role: s.role, Fence: s.fence, Terms: s.terms.Load(), Lost: s.lost.Load(), Reclaimed: s.reclaimed.Load()}
}
