package natsbus

import "github.com/prometheus/client_golang/prometheus"

// Stats are a Bus's counters since it was built.
type Stats struct {
	// Connected tells whether NATS is reachable now.
	Connected bool
	// Sent counts messages handed to NATS.
	Sent uint64
	// Dropped counts messages published while NATS was out of reach or
	// the Bus not running, or refused by NATS (too large): the other
	// instances never saw them.
	Dropped uint64
	// Received counts messages from other instances.
	Received uint64
	// Undelivered counts received messages that Deliver refused.
	Undelivered uint64
	// Malformed counts messages on the Subject that no Bus sent.
	Malformed uint64
	// Disconnects counts the losses of NATS.
	Disconnects uint64
}

// Stats returns b's counters. It is safe to call at any time.
func (b *Bus) Stats() Stats {
	return Stats{
		Connected:   b.connected.Load(),
		Sent:        b.sent.Load(),
		Dropped:     b.dropped.Load(),
		Received:    b.received.Load(),
		Undelivered: b.undelivered.Load(),
		Malformed:   b.malformed.Load(),
		Disconnects: b.disconnects.Load(),
	}
}

// Collector returns a Prometheus collector of b's Stats, labelled
// bus=<String>, to register with the registry given to the admin
// service's Gatherer: seam_bus_connected, and seam_bus_sent_total,
// _dropped_total, _received_total, _undelivered_total, _malformed_total
// and _disconnects_total.
func (b *Bus) Collector() prometheus.Collector {
	labels := prometheus.Labels{"bus": b.String()}
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("seam_bus_"+name, help, nil, labels)
	}
	return &collector{b: b, descs: [7]*prometheus.Desc{
		d("connected", "1 while NATS is reachable, else 0: messages then reach this instance only."),
		d("sent_total", "Messages handed to NATS for the other instances."),
		d("dropped_total", "Messages the other instances never saw: NATS out of reach, or too large."),
		d("received_total", "Messages from other instances."),
		d("undelivered_total", "Messages from other instances that could not be delivered here."),
		d("malformed_total", "Messages on the subject that no bus sent."),
		d("disconnects_total", "Losses of NATS."),
	}}
}

type collector struct {
	b     *Bus
	descs [7]*prometheus.Desc
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	s := c.b.Stats()
	up := 0.0
	if s.Connected {
		up = 1
	}
	ch <- prometheus.MustNewConstMetric(c.descs[0], prometheus.GaugeValue, up)
	for i, v := range []uint64{s.Sent, s.Dropped, s.Received, s.Undelivered, s.Malformed, s.Disconnects} {
		ch <- prometheus.MustNewConstMetric(c.descs[i+1], prometheus.CounterValue, float64(v))
	}
}
