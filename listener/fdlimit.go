package listener

// fdReserve is how many descriptors of the open-file limit the connection
// cap leaves to the rest of the process: maxRejecting for the rejections
// in flight (each holds a descriptor beyond the cap), and a sixteenth of
// the limit, at least 32, for everything else: the listening sockets, log
// and data files, outbound connections, other servers. Redis keeps 32.
// It is never more than half the limit: at a small limit (64) the whole
// reserve would leave room for one client, where Redis serves 32 (the
// chaos harness measured it); rejections past the reserve then wait for
// a descriptor in the accept backoff, as Redis's do.
func fdReserve(limit uint64) uint64 {
	return min(maxRejecting+max(32, limit/16), limit/2)
}

// fitFileLimit lowers r.maxConns to what the open-file limit can hold, so
// that at the cap the overflow policy answers extra clients instead of
// Accept failing with EMFILE and leaving them in the backlog. MaxConns 0
// (no cap) takes the limit's cap too. A MaxConns the limit cannot hold is
// a warning with both numbers: the operator should raise the limit
// (ulimit -n, LimitNOFILE=) or lower MaxConns.
func (r *run) fitFileLimit() {
	limit, err := r.hooks.nofile()
	if err != nil {
		r.log.Warn().Err(err).Msg("cannot read the open-file limit; MaxConns is not checked against it")
		return
	}
	if limit == 0 {
		return // none, or none that this platform reports
	}
	reserve := fdReserve(limit)
	fits := 1
	if limit > reserve+1 {
		fits = int(min(limit-reserve, uint64(maxInt)))
	}
	switch {
	case r.maxConns == 0:
		r.maxConns = fits
	case r.maxConns > fits:
		r.log.Warn().Int("max_conns", r.maxConns).Uint64("open_file_limit", limit).
			Uint64("reserve", reserve).Int("effective_max_conns", fits).
			Msg("MaxConns does not fit the open-file limit (RLIMIT_NOFILE) less a reserve for the rest of the process; lowering the cap")
		r.maxConns = fits
	}
}

const maxInt = int(^uint(0) >> 1)
