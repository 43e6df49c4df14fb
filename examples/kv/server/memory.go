package server

import (
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
)

// memInfo is INFO's Memory section, from the Go runtime and /proc: what
// redis-cli --stat reads as "mem". used_memory is the heap's live and
// not yet swept objects (Redis's is what its allocator handed out);
// used_memory_rss is the resident set, as Redis reports it; the peak is
// the highest used_memory INFO has seen.
func (h *Handler) memInfo(b *infoBuilder) {
	sample := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/total:bytes"},
	}
	metrics.Read(sample)
	used := int64(sample[0].Value.Uint64())
	peak := h.memPeak.Load()
	for used > peak && !h.memPeak.CompareAndSwap(peak, used) {
		peak = h.memPeak.Load()
	}
	peak = max(peak, used)
	rss := rssBytes()
	b.section("Memory")
	b.int("used_memory", used)
	b.field("used_memory_human", bytesToHuman(used))
	b.int("used_memory_rss", rss)
	b.field("used_memory_rss_human", bytesToHuman(rss))
	b.int("used_memory_peak", peak)
	b.field("used_memory_peak_human", bytesToHuman(peak))
	b.int("go_memory_total", int64(sample[1].Value.Uint64()))
	b.int("maxmemory", 0)
	b.field("maxmemory_human", "0B")
	b.field("maxmemory_policy", "noeviction")
	b.field("mem_allocator", "go")
}

// rssBytes reads the resident set size from /proc/self/statm; 0 where
// there is no /proc.
func rssBytes() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}

// bytesToHuman is Redis's: 1023B, 1.50K, 2.25M, 3.00G...
func bytesToHuman(n int64) string {
	const units = "KMGTP"
	if n < 1024 {
		return strconv.FormatInt(n, 10) + "B"
	}
	f := float64(n)
	i := -1
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	return strconv.FormatFloat(f, 'f', 2, 64) + string(units[i])
}
