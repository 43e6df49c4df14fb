package admin

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/supervisor"
)

// statser is a service with a listener's counters: a *listener.Server.
type statser interface {
	Stats() listener.Stats
}

// statDesc is one field of listener.Stats as a metric.
type statDesc struct {
	desc *prometheus.Desc
	kind prometheus.ValueType
}

// gaugeNames name the gauges of listener.Stats whose words alone do not
// say what they measure.
var gaugeNames = map[string]string{"active": "active_connections"}

// listenerDescs describes every field of listener.Stats as a metric, in
// the order of Stats.Fields: a counter "seam_listener_<name>_total", or a
// gauge, with the field's own description as its help, so that a field
// added to Stats is served without a change here.
func listenerDescs() []statDesc {
	fields := listener.Stats{}.Fields()
	out := make([]statDesc, len(fields))
	for i, f := range fields {
		name, kind := f.Name+"_total", prometheus.CounterValue
		if f.Gauge {
			name, kind = f.Name, prometheus.GaugeValue
			if n, ok := gaugeNames[f.Name]; ok {
				name = n
			}
		}
		out[i] = statDesc{
			desc: prometheus.NewDesc("seam_listener_"+name, f.Help, []string{"listener"}, nil),
			kind: kind,
		}
	}
	return out
}

// collector serves the tree's state as metrics, read at each scrape.
type collector struct {
	h         *supervisor.Health
	listeners []statDesc

	failures, restarts *prometheus.Desc
	backoffs, paused   *prometheus.Desc
	ready, live        *prometheus.Desc
}

func newCollector(h *supervisor.Health) *collector {
	return &collector{
		h:         h,
		listeners: listenerDescs(),
		failures: prometheus.NewDesc("seam_service_failures_total",
			"Times a service returned or panicked while its supervisor ran.", []string{"supervisor", "service"}, nil),
		restarts: prometheus.NewDesc("seam_service_restarts_total",
			"Times a service was restarted after a failure, its own or a sibling's its group's strategy restarts it with, or on demand.", []string{"supervisor", "service"}, nil),
		backoffs: prometheus.NewDesc("seam_supervisor_backoffs_total",
			"Times a supervisor or group paused its restarts after too many failures.", []string{"supervisor"}, nil),
		paused: prometheus.NewDesc("seam_supervisor_in_backoff",
			"1 while a supervisor or group is paused in its failure backoff.", []string{"supervisor"}, nil),
		ready: prometheus.NewDesc("seam_ready", "1 while the tree is ready (as /readyz).", nil, nil),
		live:  prometheus.NewDesc("seam_live", "1 while the tree is live (as /healthz).", nil, nil),
	}
}

// Describe sends every fixed description.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range c.listeners {
		ch <- f.desc
	}
	for _, d := range []*prometheus.Desc{c.failures, c.restarts, c.backoffs, c.paused, c.ready, c.live} {
		ch <- d
	}
}

// Collect reads the Health and each listener's Stats. A listener is
// reported once, under its name, however often the tree holds it. Every
// service and supervisor of the live tree has its series from the start,
// at 0 until its first failure, beside those the Health counted for
// services that have left the tree since.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	services := map[supervisor.ServiceCount]bool{}
	for _, s := range c.h.ServiceCounts() {
		services[supervisor.ServiceCount{Supervisor: s.Supervisor, Service: s.Service}] = true
		c.service(ch, s)
	}
	supervisors := map[string]bool{}
	for _, s := range c.h.SupervisorCounts() {
		supervisors[s.Supervisor] = true
		c.supervisor(ch, s)
	}
	seen := map[string]bool{}
	var walk func(n supervisor.Node)
	walk = func(n supervisor.Node) {
		if l, ok := n.Service.(statser); ok && !seen[n.Name] {
			seen[n.Name] = true
			for i, f := range l.Stats().Fields() {
				d := c.listeners[i]
				ch <- prometheus.MustNewConstMetric(d.desc, d.kind, float64(f.Value), n.Name)
			}
		}
		if (n.Kind == "group" || n.Kind == "supervisor") && !supervisors[n.Name] {
			supervisors[n.Name] = true
			c.supervisor(ch, supervisor.SupervisorCount{Supervisor: n.Name, InBackoff: n.State == "backoff"})
		}
		for _, k := range n.Children {
			key := supervisor.ServiceCount{Supervisor: n.Name, Service: k.Name}
			if !services[key] {
				services[key] = true
				c.service(ch, key)
			}
			walk(k)
		}
	}
	walk(c.h.Tree())
	live, _ := c.h.Live()
	ch <- prometheus.MustNewConstMetric(c.ready, prometheus.GaugeValue, boolean(c.h.Ready()))
	ch <- prometheus.MustNewConstMetric(c.live, prometheus.GaugeValue, boolean(live))
}

// service sends a service's failure and restart counters.
func (c *collector) service(ch chan<- prometheus.Metric, s supervisor.ServiceCount) {
	ch <- prometheus.MustNewConstMetric(c.failures, prometheus.CounterValue, float64(s.Failures), s.Supervisor, s.Service)
	ch <- prometheus.MustNewConstMetric(c.restarts, prometheus.CounterValue, float64(s.Restarts), s.Supervisor, s.Service)
}

// supervisor sends a supervisor's backoff counter and gauge.
func (c *collector) supervisor(ch chan<- prometheus.Metric, s supervisor.SupervisorCount) {
	ch <- prometheus.MustNewConstMetric(c.backoffs, prometheus.CounterValue, float64(s.Backoffs), s.Supervisor)
	ch <- prometheus.MustNewConstMetric(c.paused, prometheus.GaugeValue, boolean(s.InBackoff), s.Supervisor)
}

func boolean(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
