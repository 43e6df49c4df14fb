package server

import (
	"errors"
	"strings"

	"github.com/seamgo/seam/examples/kv/aof"
	"github.com/seamgo/seam/examples/kv/resp"
	"github.com/seamgo/seam/examples/kv/store"
)

// flags describe a command for COMMAND and for the dispatcher.
type flags uint16

const (
	flagWrite     flags = 1 << iota // changes the keyspace: commit before replying; may be replayed
	flagReadonly                    // reads the keyspace
	flagFast                        // O(1) or O(log N)
	flagAdmin                       // server administration
	flagHidden                      // only with Config.debug; not listed by COMMAND
	flagNoAuth                      // allowed before AUTH (auth.go)
	flagExclusive                   // takes the transaction lock itself, exclusively (EXEC: multi.go)
	flagBlocking                    // may block (blocking.go)
)

// command is one entry of the command table.
type command struct {
	name    string // lowercase, as Redis names commands in errors
	arity   int    // as Redis: n means exactly n arguments, -n at least n (the name counts)
	flags   flags
	first   int // key positions, for COMMAND INFO
	last    int
	step    int
	group   string // for COMMAND DOCS
	summary string
	slot    int // 1 + its index in commandList, for its counters (cmdstats.go); 0: none
	run     func(c *conn, args [][]byte)
}

// commands is the command table, keyed by lowercase name.
var commands map[string]*command

// commandList is the table in a stable order, for COMMAND's replies;
// visibleList is the part of it that COMMAND shows (no hidden command).
var commandList, visibleList []*command

func init() {
	commandList = []*command{
		// Strings.
		{name: "get", arity: 2, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "string", summary: "Returns the string value of a key.", run: cmdGet},
		{name: "set", arity: -3, flags: flagWrite, first: 1, last: 1, step: 1, group: "string", summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", run: cmdSet},
		{name: "getset", arity: 3, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "string", summary: "Returns the previous string value of a key after setting it to a new value.", run: cmdGetSet},
		{name: "incr", arity: 2, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "string", summary: "Increments the integer value of a key by one.", run: cmdIncr},
		{name: "decr", arity: 2, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "string", summary: "Decrements the integer value of a key by one.", run: cmdDecr},
		{name: "incrby", arity: 3, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "string", summary: "Increments the integer value of a key by a number.", run: cmdIncrBy},
		{name: "decrby", arity: 3, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "string", summary: "Decrements a number from the integer value of a key.", run: cmdDecrBy},
		{name: "append", arity: 3, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "string", summary: "Appends a string to the value of a key. Creates the key if it doesn't exist.", run: cmdAppend},
		{name: "strlen", arity: 2, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "string", summary: "Returns the length of a string value.", run: cmdStrlen},
		{name: "mset", arity: -3, flags: flagWrite, first: 1, last: -1, step: 2, group: "string", summary: "Atomically creates or modifies the string values of one or more keys.", run: cmdMSet},
		{name: "mget", arity: -2, flags: flagReadonly | flagFast, first: 1, last: -1, step: 1, group: "string", summary: "Atomically returns the string values of one or more keys.", run: cmdMGet},
		{name: "setnx", arity: 3, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "string", summary: "Set the string value of a key only when the key doesn't exist.", run: cmdSetNX},
		{name: "setex", arity: 4, flags: flagWrite, first: 1, last: 1, step: 1, group: "string", summary: "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.", run: cmdSetEX},
		{name: "getdel", arity: 2, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "string", summary: "Returns the string value of a key after deleting the key.", run: cmdGetDel},
		{name: "getex", arity: -2, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "string", summary: "Returns the string value of a key after setting its expiration time.", run: cmdGetEX},
		{name: "psetex", arity: 4, flags: flagWrite, first: 1, last: 1, step: 1, group: "string", summary: "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.", run: cmdPSetEX},
		{name: "getrange", arity: 4, flags: flagReadonly, first: 1, last: 1, step: 1, group: "string", summary: "Returns a substring of the string stored at a key.", run: cmdGetRange},
		{name: "setrange", arity: 4, flags: flagWrite, first: 1, last: 1, step: 1, group: "string", summary: "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.", run: cmdSetRange},
		{name: "incrbyfloat", arity: 3, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "string", summary: "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.", run: cmdIncrByFloat},
		{name: "function", arity: -2, flags: flagWrite, group: "scripting", summary: "Deletes all library and functions (FLUSH only: kv has none).", run: cmdFunction},
		{name: "zunion", arity: -3, flags: flagReadonly, group: "sorted_set", summary: "Returns the union of multiple sorted sets.", run: cmdZUnion},
		{name: "zinter", arity: -3, flags: flagReadonly, group: "sorted_set", summary: "Returns the intersect of multiple sorted sets.", run: cmdZInter},
		{name: "zdiff", arity: -3, flags: flagReadonly, group: "sorted_set", summary: "Returns the difference between multiple sorted sets.", run: cmdZDiff},
		{name: "zunionstore", arity: -4, flags: flagWrite, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Stores the union of multiple sorted sets in a key.", run: cmdZUnionStore},
		{name: "zinterstore", arity: -4, flags: flagWrite, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Stores the intersect of multiple sorted sets in a key.", run: cmdZInterStore},
		{name: "zdiffstore", arity: -4, flags: flagWrite, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Stores the difference of multiple sorted sets in a key.", run: cmdZDiffStore},
		{name: "zintercard", arity: -3, flags: flagReadonly, group: "sorted_set", summary: "Returns the number of members of the intersect of multiple sorted sets.", run: cmdZInterCard},
		{name: "swapdb", arity: 3, flags: flagWrite | flagFast, group: "server", summary: "Swaps two Redis databases.", run: cmdSwapDB},
		{name: "sort", arity: -2, flags: flagWrite, first: 1, last: 1, step: 1, group: "generic", summary: "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.", run: cmdSort},
		{name: "smove", arity: 4, flags: flagWrite | flagFast, first: 1, last: 2, step: 1, group: "set", summary: "Moves a member from one set to another.", run: cmdSMove},
		{name: "sinterstore", arity: -3, flags: flagWrite, first: 1, last: -1, step: 1, group: "set", summary: "Stores the intersect of multiple sets in a key.", run: cmdSInterStore},
		{name: "sunionstore", arity: -3, flags: flagWrite, first: 1, last: -1, step: 1, group: "set", summary: "Stores the union of multiple sets in a key.", run: cmdSUnionStore},
		{name: "sdiffstore", arity: -3, flags: flagWrite, first: 1, last: -1, step: 1, group: "set", summary: "Stores the difference of multiple sets in a key.", run: cmdSDiffStore},
		{name: "zremrangebyscore", arity: 4, flags: flagWrite, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.", run: cmdZRemRangeByScore},
		{name: "zremrangebylex", arity: 4, flags: flagWrite, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.", run: cmdZRemRangeByLex},
		{name: "zremrangebyrank", arity: 4, flags: flagWrite, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.", run: cmdZRemRangeByRank},
		{name: "lpos", arity: -3, flags: flagReadonly, first: 1, last: 1, step: 1, group: "list", summary: "Returns the index of matching elements in a list.", run: cmdLPos},
		{name: "zrangebyscore", arity: -4, flags: flagReadonly, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Returns members in a sorted set within a range of scores.", run: cmdZRangeByScore},
		{name: "zrevrangebyscore", arity: -4, flags: flagReadonly, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Returns members in a sorted set within a range of scores in reverse order.", run: cmdZRevRangeByScore},
		{name: "zrangebylex", arity: -4, flags: flagReadonly, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Returns members in a sorted set within a lexicographical range.", run: cmdZRangeByLex},
		{name: "zrevrangebylex", arity: -4, flags: flagReadonly, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Returns members in a sorted set within a lexicographical range in reverse order.", run: cmdZRevRangeByLex},
		{name: "zcount", arity: 4, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Returns the count of members in a sorted set that have scores within a range.", run: cmdZCount},
		{name: "zlexcount", arity: 4, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Returns the number of members in a sorted set within a lexicographical range.", run: cmdZLexCount},
		{name: "lcs", arity: -3, flags: flagReadonly, first: 1, last: 2, step: 1, group: "string", summary: "Finds the longest common substring.", run: cmdLCS},
		{name: "setbit", arity: 4, flags: flagWrite, first: 1, last: 1, step: 1, group: "bitmap", summary: "Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.", run: cmdSetBit},
		{name: "getbit", arity: 3, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "bitmap", summary: "Returns a bit value by offset.", run: cmdGetBit},
		{name: "bitcount", arity: -2, flags: flagReadonly, first: 1, last: 1, step: 1, group: "bitmap", summary: "Counts the number of set bits (population counting) in a string.", run: cmdBitCount},
		{name: "sinter", arity: -2, flags: flagReadonly, first: 1, last: -1, step: 1, group: "set", summary: "Returns the intersect of multiple sets.", run: cmdSInter},
		{name: "sintercard", arity: -3, flags: flagReadonly, group: "set", summary: "Returns the number of members of the intersect of multiple sets.", run: cmdSInterCard},
		{name: "sunion", arity: -2, flags: flagReadonly, first: 1, last: -1, step: 1, group: "set", summary: "Returns the union of multiple sets.", run: cmdSUnion},
		{name: "sdiff", arity: -2, flags: flagReadonly, first: 1, last: -1, step: 1, group: "set", summary: "Returns the difference of multiple sets.", run: cmdSDiff},
		{name: "zrank", arity: 3, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Returns the index of a member in a sorted set ordered by ascending scores.", run: cmdZRank},
		{name: "zrevrank", arity: 3, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Returns the index of a member in a sorted set ordered by descending scores.", run: cmdZRevRank},
		{name: "linsert", arity: 5, flags: flagWrite, first: 1, last: 1, step: 1, group: "list", summary: "Inserts an element before or after another element in a list.", run: cmdLInsert},
		{name: "lset", arity: 4, flags: flagWrite, first: 1, last: 1, step: 1, group: "list", summary: "Sets the value of an element in a list by its index.", run: cmdLSet},
		{name: "ltrim", arity: 4, flags: flagWrite, first: 1, last: 1, step: 1, group: "list", summary: "Removes elements from both ends a list. Deletes the list if all elements were trimmed.", run: cmdLTrim},
		{name: "lrem", arity: 4, flags: flagWrite, first: 1, last: 1, step: 1, group: "list", summary: "Removes elements from a list. Deletes the list if the last element was removed.", run: cmdLRem},
		{name: "lpushx", arity: -3, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "list", summary: "Prepends one or more elements to a list only when the list exists.", run: cmdLPushX},
		{name: "rpushx", arity: -3, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "list", summary: "Appends an element to a list only when the list exists.", run: cmdRPushX},
		{name: "hmset", arity: -4, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "hash", summary: "Sets the values of multiple fields.", run: cmdHMSet},
		{name: "hsetnx", arity: 4, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "hash", summary: "Sets the value of a field in a hash only when the field doesn't exist.", run: cmdHSetNX},
		{name: "hincrbyfloat", arity: 4, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "hash", summary: "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.", run: cmdHIncrByFloat},
		{name: "hkeys", arity: 2, flags: flagReadonly, first: 1, last: 1, step: 1, group: "hash", summary: "Returns all fields in a hash.", run: cmdHKeys},
		{name: "hvals", arity: 2, flags: flagReadonly, first: 1, last: 1, step: 1, group: "hash", summary: "Returns all values in a hash.", run: cmdHVals},
		{name: "hmget", arity: -3, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "hash", summary: "Returns the values of all fields in a hash.", run: cmdHMGet},
		{name: "hstrlen", arity: 3, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "hash", summary: "Returns the length of the value of a field.", run: cmdHStrLen},
		{name: "dump", arity: 2, flags: flagReadonly, first: 1, last: 1, step: 1, group: "generic", summary: "Returns a serialized representation of the value stored at a key.", run: cmdDump},
		{name: "restore", arity: -4, flags: flagWrite, first: 1, last: 1, step: 1, group: "generic", summary: "Creates a key from the serialized representation of a value.", run: cmdRestore},
		{name: "zmscore", arity: -3, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Returns the score of one or more members in a sorted set.", run: cmdZMScore},
		{name: "zrandmember", arity: -2, flags: flagReadonly, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Returns one or more random members from a sorted set.", run: cmdZRandMember},
		{name: "zrangestore", arity: -5, flags: flagWrite, first: 1, last: 2, step: 1, group: "sorted_set", summary: "Stores a range of members from sorted set in a key.", run: cmdZRangeStore},
		{name: "hrandfield", arity: -2, flags: flagReadonly, first: 1, last: 1, step: 1, group: "hash", summary: "Returns one or more random fields from a hash.", run: cmdHRandField},
		{name: "zrevrange", arity: -4, flags: flagReadonly, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Returns members in a sorted set within a range of indexes in reverse order.", run: cmdZRevRange},
		{name: "sscan", arity: -3, flags: flagReadonly, first: 1, last: 1, step: 1, group: "set", summary: "Iterates over members of a set.", run: cmdSScan},
		{name: "hscan", arity: -3, flags: flagReadonly, first: 1, last: 1, step: 1, group: "hash", summary: "Iterates over fields and values of a hash.", run: cmdHScan},
		{name: "zscan", arity: -3, flags: flagReadonly, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Iterates over members and scores of a sorted set.", run: cmdZScan},
		{name: "smismember", arity: -3, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "set", summary: "Determines whether multiple members belong to a set.", run: cmdSMIsMember},
		{name: "zincrby", arity: 4, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Increments the score of a member in a sorted set.", run: cmdZIncrBy},
		{name: "copy", arity: -3, flags: flagWrite, first: 1, last: 2, step: 1, group: "generic", summary: "Copies the value of a key to a new key.", run: cmdCopy},
		{name: "srandmember", arity: -2, flags: flagReadonly, first: 1, last: 1, step: 1, group: "set", summary: "Get one or multiple random members from a set.", run: cmdSRandMember},
		{name: "object", arity: -2, flags: flagReadonly, first: 2, last: 2, step: 1, group: "generic", summary: "A container for object introspection commands.", run: cmdObject},
		{name: "multi", arity: 1, flags: flagFast, group: "transactions", summary: "Starts a transaction.", run: cmdMulti},
		{name: "exec", arity: 1, flags: flagExclusive, group: "transactions", summary: "Executes all commands in a transaction.", run: cmdExec},
		{name: "discard", arity: 1, flags: flagFast, group: "transactions", summary: "Discards a transaction.", run: cmdDiscard},
		{name: "watch", arity: -2, flags: flagFast, first: 1, last: -1, step: 1, group: "transactions", summary: "Monitors changes to keys to determine the execution of a transaction.", run: cmdWatch},
		{name: "unwatch", arity: 1, flags: flagFast, group: "transactions", summary: "Forgets about watched keys of a transaction.", run: cmdUnwatch},
		{name: "msetnx", arity: -3, flags: flagWrite, first: 1, last: -1, step: 2, group: "string", summary: "Atomically modifies the string values of one or more keys only when all keys don't exist.", run: cmdMSetNX},
		{name: "renamenx", arity: 3, flags: flagWrite | flagFast, first: 1, last: 2, step: 1, group: "generic", summary: "Renames a key only when the target key name doesn't exist.", run: cmdRenameNX},
		{name: "expiretime", arity: 2, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "generic", summary: "Returns the expiration time of a key as a Unix timestamp.", run: cmdExpireTime},
		{name: "pexpiretime", arity: 2, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "generic", summary: "Returns the expiration time of a key as a Unix milliseconds timestamp.", run: cmdPExpireTime},

		// Lists.
		{name: "lpush", arity: -3, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "list", summary: "Prepends one or more elements to a list. Creates the key if it doesn't exist.", run: cmdLPush},
		{name: "rpush", arity: -3, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "list", summary: "Appends one or more elements to a list. Creates the key if it doesn't exist.", run: cmdRPush},
		{name: "lpop", arity: -2, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "list", summary: "Returns the first elements in a list after removing it. Deletes the list if the last element was popped.", run: cmdLPop},
		{name: "rpop", arity: -2, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "list", summary: "Returns and removes the last elements of a list. Deletes the list if the last element was popped.", run: cmdRPop},
		{name: "lrange", arity: 4, flags: flagReadonly, first: 1, last: 1, step: 1, group: "list", summary: "Returns a range of elements from a list.", run: cmdLRange},
		{name: "llen", arity: 2, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "list", summary: "Returns the length of a list.", run: cmdLLen},
		{name: "lmove", arity: 5, flags: flagWrite, first: 1, last: 2, step: 1, group: "list", summary: "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.", run: cmdLMove},
		{name: "rpoplpush", arity: 3, flags: flagWrite, first: 1, last: 2, step: 1, group: "list", summary: "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.", run: cmdRPopLPush},
		{name: "lmpop", arity: -4, flags: flagWrite, group: "list", summary: "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.", run: cmdLMPop},
		{name: "blpop", arity: -3, flags: flagWrite | flagBlocking, first: 1, last: -2, step: 1, group: "list", summary: "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", run: cmdBLPop},
		{name: "brpop", arity: -3, flags: flagWrite | flagBlocking, first: 1, last: -2, step: 1, group: "list", summary: "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", run: cmdBRPop},
		{name: "blmove", arity: 6, flags: flagWrite | flagBlocking, first: 1, last: 2, step: 1, group: "list", summary: "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.", run: cmdBLMove},
		{name: "brpoplpush", arity: 4, flags: flagWrite | flagBlocking, first: 1, last: 2, step: 1, group: "list", summary: "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.", run: cmdBRPopLPush},
		{name: "blmpop", arity: -5, flags: flagWrite | flagBlocking, group: "list", summary: "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", run: cmdBLMPop},
		{name: "lindex", arity: 3, flags: flagReadonly, first: 1, last: 1, step: 1, group: "list", summary: "Returns an element from a list by its index.", run: cmdLIndex},

		// Sets.
		{name: "sadd", arity: -3, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "set", summary: "Adds one or more members to a set. Creates the key if it doesn't exist.", run: cmdSAdd},
		{name: "srem", arity: -3, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "set", summary: "Removes one or more members from a set. Deletes the set if the last member was removed.", run: cmdSRem},
		{name: "spop", arity: -2, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "set", summary: "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.", run: cmdSPop},
		{name: "smembers", arity: 2, flags: flagReadonly, first: 1, last: 1, step: 1, group: "set", summary: "Returns all members of a set.", run: cmdSMembers},
		{name: "scard", arity: 2, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "set", summary: "Returns the number of members in a set.", run: cmdSCard},
		{name: "sismember", arity: 3, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "set", summary: "Determines whether a member belongs to a set.", run: cmdSIsMember},

		// Hashes.
		{name: "hset", arity: -4, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "hash", summary: "Creates or modifies the value of a field in a hash.", run: cmdHSet},
		{name: "hget", arity: 3, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "hash", summary: "Returns the value of a field in a hash.", run: cmdHGet},
		{name: "hdel", arity: -3, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "hash", summary: "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.", run: cmdHDel},
		{name: "hgetall", arity: 2, flags: flagReadonly, first: 1, last: 1, step: 1, group: "hash", summary: "Returns all fields and values in a hash.", run: cmdHGetAll},
		{name: "hlen", arity: 2, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "hash", summary: "Returns the number of fields in a hash.", run: cmdHLen},
		{name: "hincrby", arity: 4, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "hash", summary: "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.", run: cmdHIncrBy},
		{name: "hexists", arity: 3, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "hash", summary: "Determines whether a field exists in a hash.", run: cmdHExists},

		// Sorted sets.
		{name: "zadd", arity: -4, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.", run: cmdZAdd},
		{name: "zrem", arity: -3, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.", run: cmdZRem},
		{name: "zpopmin", arity: -2, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", run: cmdZPopMin},
		{name: "zpopmax", arity: -2, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", run: cmdZPopMax},
		{name: "zmpop", arity: -4, flags: flagWrite, group: "sorted_set", summary: "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.", run: cmdZMPop},
		{name: "bzpopmin", arity: -3, flags: flagWrite | flagFast | flagBlocking, first: 1, last: -2, step: 1, group: "sorted_set", summary: "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", run: cmdBZPopMin},
		{name: "bzpopmax", arity: -3, flags: flagWrite | flagFast | flagBlocking, first: 1, last: -2, step: 1, group: "sorted_set", summary: "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise.  Deletes the sorted set if the last element was popped.", run: cmdBZPopMax},
		{name: "bzmpop", arity: -5, flags: flagWrite | flagBlocking, group: "sorted_set", summary: "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", run: cmdBZMPop},
		{name: "zrange", arity: -4, flags: flagReadonly, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Returns members in a sorted set within a range of indexes.", run: cmdZRange},
		{name: "zscore", arity: 3, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Returns the score of a member in a sorted set.", run: cmdZScore},
		{name: "zcard", arity: 2, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "sorted_set", summary: "Returns the number of members in a sorted set.", run: cmdZCard},

		// Streams.
		{name: "xadd", arity: -5, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "stream", summary: "Appends a new message to a stream. Creates the key if it doesn't exist.", run: cmdXAdd},
		{name: "xrange", arity: -4, flags: flagReadonly, first: 1, last: 1, step: 1, group: "stream", summary: "Returns the messages from a stream within a range of IDs.", run: cmdXRange},
		{name: "xrevrange", arity: -4, flags: flagReadonly, first: 1, last: 1, step: 1, group: "stream", summary: "Returns the messages from a stream within a range of IDs in reverse order.", run: cmdXRevRange},
		{name: "xlen", arity: 2, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "stream", summary: "Return the number of messages in a stream.", run: cmdXLen},
		{name: "xdel", arity: -3, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "stream", summary: "Returns the number of messages after removing them from a stream.", run: cmdXDel},
		{name: "xtrim", arity: -4, flags: flagWrite, first: 1, last: 1, step: 1, group: "stream", summary: "Deletes messages from the beginning of a stream.", run: cmdXTrim},
		{name: "xsetid", arity: -3, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "stream", summary: "An internal command for replicating stream values.", run: cmdXSetID},
		{name: "xread", arity: -4, flags: flagReadonly | flagBlocking, group: "stream", summary: "Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise.", run: cmdXRead},
		{name: "xreadgroup", arity: -7, flags: flagWrite | flagBlocking, group: "stream", summary: "Returns new or historical messages from a stream for a consumer in a group. Blocks until a message is available otherwise.", run: cmdXReadGroup},
		{name: "xgroup", arity: -2, flags: flagWrite, first: 2, last: 2, step: 1, group: "stream", summary: "A container for consumer groups commands.", run: cmdXGroup},
		{name: "xack", arity: -4, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "stream", summary: "Returns the number of messages that were successfully acknowledged by the consumer group member of a stream.", run: cmdXAck},
		{name: "xpending", arity: -3, flags: flagReadonly, first: 1, last: 1, step: 1, group: "stream", summary: "Returns the information and entries from a stream consumer group's pending entries list.", run: cmdXPending},
		{name: "xclaim", arity: -6, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "stream", summary: "Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member.", run: cmdXClaim},
		{name: "xautoclaim", arity: -6, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "stream", summary: "Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member.", run: cmdXAutoClaim},
		{name: "xinfo", arity: -2, flags: flagReadonly, first: 2, last: 2, step: 1, group: "stream", summary: "A container for stream introspection commands.", run: cmdXInfo},

		// Keyspace.
		{name: "move", arity: 3, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "generic", summary: "Moves a key to another database.", run: cmdMove},
		{name: "randomkey", arity: 1, flags: flagReadonly, group: "generic", summary: "Returns a random key name from the database.", run: cmdRandomKey},
		{name: "del", arity: -2, flags: flagWrite, first: 1, last: -1, step: 1, group: "generic", summary: "Deletes one or more keys.", run: cmdDel},
		{name: "unlink", arity: -2, flags: flagWrite | flagFast, first: 1, last: -1, step: 1, group: "generic", summary: "Asynchronously deletes one or more keys.", run: cmdDel},
		{name: "type", arity: 2, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "generic", summary: "Determines the type of value stored at a key.", run: cmdType},
		{name: "rename", arity: 3, flags: flagWrite, first: 1, last: 2, step: 1, group: "generic", summary: "Renames a key and overwrites the destination.", run: cmdRename},
		{name: "exists", arity: -2, flags: flagReadonly | flagFast, first: 1, last: -1, step: 1, group: "generic", summary: "Determines whether one or more keys exist.", run: cmdExists},
		{name: "expire", arity: -3, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "generic", summary: "Sets the expiration time of a key in seconds.", run: cmdExpire},
		{name: "pexpire", arity: -3, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "generic", summary: "Sets the expiration time of a key in milliseconds.", run: cmdPExpire},
		{name: "expireat", arity: -3, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "generic", summary: "Sets the expiration time of a key to a Unix timestamp.", run: cmdExpireAt},
		{name: "pexpireat", arity: -3, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "generic", summary: "Sets the expiration time of a key to a Unix milliseconds timestamp.", run: cmdPExpireAt},
		{name: "ttl", arity: 2, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "generic", summary: "Returns the expiration time in seconds of a key.", run: cmdTTL},
		{name: "pttl", arity: 2, flags: flagReadonly | flagFast, first: 1, last: 1, step: 1, group: "generic", summary: "Returns the expiration time in milliseconds of a key.", run: cmdPTTL},
		{name: "persist", arity: 2, flags: flagWrite | flagFast, first: 1, last: 1, step: 1, group: "generic", summary: "Removes the expiration time of a key.", run: cmdPersist},
		{name: "keys", arity: 2, flags: flagReadonly, group: "generic", summary: "Returns all key names that match a pattern.", run: cmdKeys},
		{name: "scan", arity: -2, flags: flagReadonly, group: "generic", summary: "Iterates over the key names in the database.", run: cmdScan},
		{name: "dbsize", arity: 1, flags: flagReadonly | flagFast, group: "server", summary: "Returns the number of keys in the database.", run: cmdDBSize},
		{name: "flushdb", arity: -1, flags: flagWrite, group: "server", summary: "Removes all keys from the current database.", run: cmdFlush},
		{name: "flushall", arity: -1, flags: flagWrite, group: "server", summary: "Removes all keys from all databases.", run: cmdFlush},

		// Connection and server.
		{name: "ping", arity: -1, flags: flagFast, group: "connection", summary: "Returns the server's liveliness response.", run: cmdPing},
		{name: "echo", arity: 2, flags: flagFast, group: "connection", summary: "Returns the given string.", run: cmdEcho},
		{name: "select", arity: 2, flags: flagFast, group: "connection", summary: "Changes the selected database.", run: cmdSelect},
		{name: "quit", arity: -1, flags: flagFast | flagNoAuth, group: "connection", summary: "Closes the connection.", run: cmdQuit},
		{name: "hello", arity: -1, flags: flagFast | flagNoAuth, group: "connection", summary: "Handshakes with the Redis server.", run: cmdHello},
		{name: "auth", arity: -2, flags: flagFast | flagNoAuth, group: "connection", summary: "Authenticates the connection.", run: cmdAuth},
		{name: "client", arity: -2, group: "connection", summary: "A container for client connection commands.", run: cmdClient},
		{name: "time", arity: 1, flags: flagFast, group: "server", summary: "Returns the server time.", run: cmdTime},
		{name: "memory", arity: -2, group: "server", summary: "A container for memory diagnostics commands.", run: cmdMemory},
		{name: "info", arity: -1, group: "server", summary: "Returns information and statistics about the server.", run: cmdInfo},
		{name: "bgrewriteaof", arity: 1, flags: flagAdmin, group: "server", summary: "Asynchronously rewrites the append-only file to disk.", run: cmdBgRewriteAOF},
		{name: "config", arity: -2, flags: flagAdmin, group: "server", summary: "A container for server configuration commands.", run: cmdConfig},
		{name: "command", arity: -1, group: "server", summary: "Returns detailed information about all commands.", run: cmdCommand},
		{name: "debug", arity: -2, flags: flagAdmin | flagHidden, group: "server", summary: "Test hooks.", run: cmdDebug},
	}
	commandList = append(commandList, pubsubCommands...)
	commands = make(map[string]*command, len(commandList))
	for i, cmd := range commandList {
		cmd.slot = i + 1
		commands[cmd.name] = cmd
		if cmd.flags&flagHidden == 0 {
			visibleList = append(visibleList, cmd)
		}
	}
}

// lookup finds a command by name, case-insensitively, without allocating.
func (c *conn) lookup(name []byte) *command {
	if len(name) > len(c.lower) {
		return nil
	}
	lower := c.lower[:len(name)]
	for i, ch := range name {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		lower[i] = ch
	}
	cmd := commands[string(lower)]
	if cmd != nil && cmd.flags&flagHidden != 0 && !c.h.cfg.debug {
		return nil
	}
	return cmd
}

// exec runs one command and buffers its reply.
func (c *conn) exec(args [][]byte) {
	c.cmds++
	was := c.st.reply
	if was != replyOn {
		c.w.Mark() // CLIENT REPLY OFF or SKIP: client.go
	}
	c.dispatch(args)
	if was != replyOn {
		c.unmute(was)
	}
}

// dispatch finds the command and calls it.
func (c *conn) dispatch(args [][]byte) {
	cmd := c.lookup(args[0])
	if cmd == nil {
		c.abortMulti()
		c.w.WriteError(unknownCommand(args))
		return
	}
	c.st.lastCmd.Store(cmd)
	c.call(cmd, args)
}

// call runs cmd, found by lookup, with args: it checks the arity, runs it
// and, for a write with an append-only file, notes the commit its reply
// must wait for.
func (c *conn) call(cmd *command, args [][]byte) {
	if cmd.arity > 0 && len(args) != cmd.arity || len(args) < -cmd.arity {
		c.abortMulti()
		c.w.WriteError(wrongArgs(cmd.name))
		c.rejected(cmd, args)
		return
	}
	if !c.authed && c.refusedUnauthenticated(cmd) ||
		c.refusedWhileSubscribed(cmd, args) ||
		c.refusedWhileLoading(cmd, args) { // -LOADING: loading.go
		c.rejected(cmd, args)
		return
	}
	if c.queuedNow(cmd) { // inside MULTI: multi.go
		c.queue(cmd, args)
		return
	}
	if !c.inExec && !c.replay && cmd.flags&flagExclusive == 0 {
		c.h.txMu.RLock()
		defer c.h.txMu.RUnlock()
	}
	c.events = 0 // a replay publishes nothing: its writes were published when made
	if !c.replay {
		c.events = c.h.notify.published()
		c.owes = c.owes || c.events != 0 // flush publishes them (notify.go)
	}
	if cmd.flags&flagWrite != 0 {
		// After the write, the clients blocked on the keys it named are
		// served (blocking.go); the watchers of the keys it changed were
		// marked as it sent their events (notify.go). One defer, not
		// two: more would stop the compiler from open-coding the defers
		// of this function, which every command runs through.
		defer c.serveKeys(cmd, args)
	}
	if cmd.flags&flagWrite == 0 || c.h.aof == nil || c.replay {
		c.run(cmd, args) // counted: cmdstats.go
		c.dropRecord()
		return
	}
	// Only a write that appended needs a commit before its reply. The
	// offset may include other connections' records appended meanwhile,
	// which only makes the commit cover more.
	before := c.h.aof.Appended()
	// The big arguments the reader gave this command never change again
	// (see aof.Writer.Keep): its record may refer to them, not copy them,
	// which keeps a 100 MB SET at one copy of its value.
	kept := c.r.BigBytes() > 0
	if kept {
		c.keepOwned(args, c.h.aof.Keep)
	}
	c.run(cmd, args) // counted: cmdstats.go
	if kept {
		c.keepOwned(args, c.h.aof.Release)
	}
	c.dropRecord()
	if end := c.h.aof.Appended(); end != before {
		c.commitTo = end
	}
}

// abortMulti marks the transaction in progress, if any, to be discarded
// by EXEC: a command refused while queued aborts it, as in Redis.
func (c *conn) abortMulti() {
	if c.multi != nil {
		c.multi.aborted = true
	}
}

// keepOwned calls f on each of args that the reader read into a buffer of
// its own.
func (c *conn) keepOwned(args [][]byte, f func([]byte)) {
	for i, a := range args {
		if c.r.Owned(i) {
			f(a)
		}
	}
}

// dropRecord forgets the record built for the command, so that the
// connection does not keep a large value alive once it is journalled.
func (c *conn) dropRecord() {
	if len(c.rec) > 0 {
		clear(c.rec)
		c.rec = c.rec[:0]
	}
}

// owned reports whether argument i of the command in hand may be kept
// without a copy (see resp.Reader.Owned). A replayed record's arguments
// belong to the file's reader, never to this connection's.
func (c *conn) owned(i int) bool { return !c.replay && c.r.Owned(i) }

// Redis's error replies.
const (
	errSyntax      = "ERR syntax error"
	errNotInteger  = "ERR value is not an integer or out of range"
	errOverflow    = "ERR increment or decrement would overflow"
	errTooLarge    = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	errInvalidCurs = "ERR invalid cursor"
	errDBIndex     = "ERR DB index is out of range"
	errClosed      = "ERR the server is shutting down; write not applied"
)

func wrongArgs(name string) string {
	return "ERR wrong number of arguments for '" + name + "' command"
}

// unknownCommand is Redis 7's text, quoting arguments up to about 128
// bytes as Redis does.
func unknownCommand(args [][]byte) string {
	var quoted []byte
	for _, a := range args[1:] {
		if len(quoted) >= 128 {
			break
		}
		quoted = append(quoted, '\'')
		quoted = append(quoted, clip(a, 128-len(quoted)+1)...)
		quoted = append(quoted, "' "...)
	}
	return "ERR unknown command '" + string(clip(args[0], 128)) + "', with args beginning with: " + string(quoted)
}

func unknownSubcommand(sub []byte, cmd string) string {
	return "ERR unknown subcommand '" + string(clip(sub, 128)) + "'. Try " + strings.ToUpper(cmd) + " HELP."
}

func clip(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// parseIntPair reads two integer arguments, a range's start and stop
// (LRANGE, GETRANGE) or a LIMIT's offset and count (ZRANGEBYSCORE, SORT),
// replying with Redis's error if either is not an integer.
func (c *conn) parseIntPair(a, b []byte) (int64, int64, bool) {
	x, ok1 := resp.ParseInt(a)
	y, ok2 := resp.ParseInt(b)
	if !ok1 || !ok2 {
		c.w.WriteError(errNotInteger)
		return 0, 0, false
	}
	return x, y, true
}

// writeFound answers a command whose reply is a value or nil: v, if found,
// or err.
func (c *conn) writeFound(v []byte, found bool, err error) {
	switch {
	case err != nil:
		c.writeStoreError(err)
	case !found:
		c.w.WriteNull()
	default:
		c.w.WriteBulk(v)
	}
}

// writeFlag answers a command whose reply is 1 when it changed something
// and 0 when it did not, as Redis's EXPIRE and PERSIST do.
func (c *conn) writeFlag(changed bool, err error) {
	switch {
	case err != nil:
		c.writeStoreError(err)
	case changed:
		c.w.WriteInt(1)
	default:
		c.w.WriteInt(0)
	}
}

// writeStoreError replies to a write the store refused.
func (c *conn) writeStoreError(err error) {
	switch {
	case errors.Is(err, store.ErrWrongType):
		c.w.WriteError("WRONGTYPE Operation against a key holding the wrong kind of value")
	case errors.Is(err, store.ErrHashNotInteger):
		c.w.WriteError("ERR hash value is not an integer")
	case errors.Is(err, store.ErrScoreNaN):
		c.w.WriteError("ERR resulting score is not a number (NaN)")
	case errors.Is(err, store.ErrNoSuchKey):
		c.w.WriteError("ERR no such key")
	case errors.Is(err, store.ErrNotInteger):
		c.w.WriteError(errNotInteger)
	case errors.Is(err, store.ErrOverflow):
		c.w.WriteError(errOverflow)
	case errors.Is(err, store.ErrNotFloat):
		c.w.WriteError(errNotFloat)
	case errors.Is(err, store.ErrNaNOrInf):
		c.w.WriteError("ERR increment would produce NaN or Infinity")
	case errors.Is(err, store.ErrTooLarge):
		c.w.WriteError(errTooLarge)
	case errors.As(err, new(blockError)):
		c.w.WriteError(err.Error())
	case errors.Is(err, aof.ErrFailing):
		// Redis's reply while it cannot write its append-only file.
		c.w.WriteError("MISCONF Errors writing to the AOF file: " +
			strings.TrimPrefix(err.Error(), aof.ErrFailing.Error()+": "))
	case errors.Is(err, aof.ErrClosed):
		c.w.WriteError(errClosed)
	default:
		c.w.WriteError("ERR " + err.Error())
	}
}

// eqFold reports whether b equals the upper-case ASCII word s, ignoring
// case, without allocating.
func eqFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		ch := b[i]
		if 'a' <= ch && ch <= 'z' {
			ch -= 'a' - 'A'
		}
		if ch != s[i] {
			return false
		}
	}
	return true
}
