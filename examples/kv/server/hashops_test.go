package server

import "testing"

// hashScript runs HSETNX, HINCRBYFLOAT, HKEYS, HVALS, HMGET and HSTRLEN
// through their replies and errors, on hashes of one field where an order
// would show.
const hashScript = "HSETNX h a 1\r\nHSETNX h a 2\r\nHGET h a\r\nHMGET h a x a\r\nHMGET nokey a\r\nHSTRLEN h a\r\nHSTRLEN h x\r\n" +
	"HSTRLEN nokey x\r\nHINCRBYFLOAT h a 1.5\r\nHINCRBYFLOAT h a x\r\nHINCRBYFLOAT h n 10.50\r\nHINCRBYFLOAT h n 0.1\r\n" +
	"HINCRBYFLOAT h n -10.6\r\nHSET h s abc\r\nHINCRBYFLOAT h s 1\r\nHINCRBYFLOAT h n +inf\r\nHSET e f \"\"\r\nHMGET e f\r\n" +
	"HKEYS e\r\nHVALS e\r\nHKEYS nokey\r\nHVALS nokey\r\nSET str x\r\nHKEYS str\r\nHVALS str\r\nHMGET str a\r\nHSETNX str a 1\r\n" +
	"HSTRLEN str a\r\nHINCRBYFLOAT str a 1\r\nHSETNX h\r\nHMGET h\r\nHELLO 3\r\nHMGET h a x\r\nHKEYS e\r\n"

// TestHashOpsAgainstRedis wants the hash commands' replies byte for byte
// as redis-server 7 sends them.
func TestHashOpsAgainstRedis(t *testing.T) {
	ts := startServer(t, serverOpts{})
	sameTranscript(t, ts.addr, hashScript,
		":1\r\n:0\r\n$1\r\n1\r\n*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n1\r\n", // HSETNX twice, HGET, HMGET
		"$4\r\n10.5\r\n$4\r\n10.6\r\n",                               // HINCRBYFLOAT's results
		"-ERR hash value is not a float\r\n",
	)
}

// TestHashOpsReplay: HSETNX is journalled when it sets, HINCRBYFLOAT as
// the HSET of its result, and a restart from the file has the same hash.
func TestHashOpsReplay(t *testing.T) {
	checkReplay(t, [][]string{
		{"HSETNX", "h", "a", "1"}, {"HSETNX", "h", "a", "2"}, {"HINCRBYFLOAT", "h", "n", "10.5"},
		{"HINCRBYFLOAT", "h", "n", "0.1"}, {"HINCRBYFLOAT", "fresh", "f", "3"},
	}, dumpKeys)
}
