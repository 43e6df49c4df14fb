package admin

import (
	"reflect"
	"strings"
	"unicode"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/supervisor"
)

// statser is a service with a listener's counters: a *listener.Server.
type statser interface {
	Stats() listener.Stats
}

// statField is one field of listener.Stats as a metric.
type statField struct {
	index int
	desc  *prometheus.Desc
	kind  prometheus.ValueType
}

// statMetrics names the fields of listener.Stats whose metric name or help
// is better than the one derived from the field name.
var statMetrics = map[string]struct{ name, help string }{
	"Accepted":         {"accepted_total", "Connections accepted."},
	"Active":           {"active_connections", "Connections open now."},
	"AtCap":            {"at_cap_total", "Times the acceptor paused at MaxConns."},
	"Rejected":         {"rejected_total", "Accepted connections closed at once because the listener was stopping."},
	"Panics":           {"panics_total", "Handler panics recovered."},
	"ForceClosed":      {"force_closed_total", "Connections closed by force at the end of a drain."},
	"AcceptorRestarts": {"acceptor_restarts_total", "Times the acceptor failed and was restarted."},
	"TemporaryErrors":  {"temporary_errors_total", "Temporary accept errors backed off from."},
}

// listenerFields turns every numeric field of listener.Stats into a
// metric, so that a field added to Stats is served without a change here:
// an unsigned one as a counter "<snake_name>_total", a signed one as a
// gauge.
func listenerFields() []statField {
	t := reflect.TypeFor[listener.Stats]()
	var out []statField
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		var kind prometheus.ValueType
		switch f.Type.Kind() {
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			kind = prometheus.CounterValue
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Float32, reflect.Float64:
			kind = prometheus.GaugeValue
		default:
			continue
		}
		m, ok := statMetrics[f.Name]
		if !ok {
			m.name, m.help = snake(f.Name), "listener.Stats."+f.Name+"."
			if kind == prometheus.CounterValue {
				m.name += "_total"
			}
		}
		out = append(out, statField{
			index: i,
			kind:  kind,
			desc:  prometheus.NewDesc("seam_listener_"+m.name, m.help, []string{"listener"}, nil),
		})
	}
	return out
}

// snake turns a Go field name into a metric name: "AtCap" -> "at_cap".
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// collector serves the tree's state as metrics, read at each scrape.
type collector struct {
	h         *supervisor.Health
	listeners []statField

	failures, restarts *prometheus.Desc
	backoffs, paused   *prometheus.Desc
	ready, live        *prometheus.Desc
}

func newCollector(h *supervisor.Health) *collector {
	return &collector{
		h:         h,
		listeners: listenerFields(),
		failures: prometheus.NewDesc("seam_service_failures_total",
			"Times a service returned or panicked while its supervisor ran.", []string{"supervisor", "service"}, nil),
		restarts: prometheus.NewDesc("seam_service_restarts_total",
			"Times a service was restarted after a failure, its own or a sibling's its group's strategy restarts it with.", []string{"supervisor", "service"}, nil),
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
// reported once, under its name, however often the tree holds it.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	seen := map[string]bool{}
	var walk func(n supervisor.Node)
	walk = func(n supervisor.Node) {
		if l, ok := n.Service.(statser); ok && !seen[n.Name] {
			seen[n.Name] = true
			v := reflect.ValueOf(l.Stats())
			for _, f := range c.listeners {
				ch <- prometheus.MustNewConstMetric(f.desc, f.kind, number(v.Field(f.index)), n.Name)
			}
		}
		for _, k := range n.Children {
			walk(k)
		}
	}
	walk(c.h.Tree())
	for _, s := range c.h.ServiceCounts() {
		ch <- prometheus.MustNewConstMetric(c.failures, prometheus.CounterValue, float64(s.Failures), s.Supervisor, s.Service)
		ch <- prometheus.MustNewConstMetric(c.restarts, prometheus.CounterValue, float64(s.Restarts), s.Supervisor, s.Service)
	}
	for _, s := range c.h.SupervisorCounts() {
		ch <- prometheus.MustNewConstMetric(c.backoffs, prometheus.CounterValue, float64(s.Backoffs), s.Supervisor)
		ch <- prometheus.MustNewConstMetric(c.paused, prometheus.GaugeValue, boolean(s.InBackoff), s.Supervisor)
	}
	live, _ := c.h.Live()
	ch <- prometheus.MustNewConstMetric(c.ready, prometheus.GaugeValue, boolean(c.h.Ready()))
	ch <- prometheus.MustNewConstMetric(c.live, prometheus.GaugeValue, boolean(live))
}

func number(v reflect.Value) float64 {
	switch {
	case v.CanUint():
		return float64(v.Uint())
	case v.CanInt():
		return float64(v.Int())
	}
	return v.Float()
}

func boolean(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
