package server

// cmdFunction is FUNCTION FLUSH [ASYNC|SYNC]: kv has no functions (nor
// scripts), so there is nothing to delete; a client that clears the
// functions before its work, as Redis's own test suite does before every
// test, is answered as redis-server answers it. Every other subcommand is
// refused as unknown.
func cmdFunction(c *conn, args [][]byte) {
	switch {
	case eqFold(args[1], "FLUSH") && (len(args) == 2 ||
		len(args) == 3 && (eqFold(args[2], "ASYNC") || eqFold(args[2], "SYNC"))):
		c.w.WriteOK()
	case eqFold(args[1], "FLUSH"):
		c.w.WriteError("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
	default:
		c.w.WriteError("ERR unknown subcommand '" + string(args[1]) + "'. Try FUNCTION HELP.")
	}
}
