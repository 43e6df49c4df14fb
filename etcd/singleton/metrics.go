package singleton

import "github.com/prometheus/client_golang/prometheus"

// Collector returns a Prometheus collector of s's state, to register with
// the registry given to the admin service's Gatherer:
//
//	seam_singleton_leader{election}       1 while leading, else 0
//	seam_singleton_fence{election}        the current fencing token, 0 on standby
//	seam_singleton_terms_total{election}  terms led
//	seam_singleton_lost_total{election}   terms ended without a stop asking
//	seam_singleton_reclaimed_total{election} leases ahead revoked by this instance
//
// Register one per Service; Services of different Names can share a
// registry.
func (s *Service) Collector() prometheus.Collector {
	labels := prometheus.Labels{"election": s.Name}
	return &collector{
		s:      s,
		leader: prometheus.NewDesc("seam_singleton_leader", "1 while this instance leads the election and runs its child, else 0.", nil, labels),
		fence:  prometheus.NewDesc("seam_singleton_fence", "The fencing token (leader key revision) of the current term; 0 on standby.", nil, labels),
		terms:  prometheus.NewDesc("seam_singleton_terms_total", "Terms of leadership this instance has begun.", nil, labels),
		lost:   prometheus.NewDesc("seam_singleton_lost_total", "Terms that ended without a stop asking: lease in doubt or gone.", nil, labels),
		reclaimed: prometheus.NewDesc("seam_singleton_reclaimed_total",
			"Leases of instances ahead in the election that this instance revoked once their holders had stopped renewing them.", nil, labels),
	}
}

type collector struct {
	s                                     *Service
	leader, fence, terms, lost, reclaimed *prometheus.Desc
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.leader
	ch <- c.fence
	ch <- c.terms
	ch <- c.lost
	ch <- c.reclaimed
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.Stats()
	leading := 0.0
	if st.Role == RoleLeader {
		leading = 1
	}
	ch <- prometheus.MustNewConstMetric(c.leader, prometheus.GaugeValue, leading)
	ch <- prometheus.MustNewConstMetric(c.fence, prometheus.GaugeValue, float64(st.Fence.Revision))
	ch <- prometheus.MustNewConstMetric(c.terms, prometheus.CounterValue, float64(st.Terms))
	ch <- prometheus.MustNewConstMetric(c.lost, prometheus.CounterValue, float64(st.Lost))
	ch <- prometheus.MustNewConstMetric(c.reclaimed, prometheus.CounterValue, float64(st.Reclaimed))
}
