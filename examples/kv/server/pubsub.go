package server

import (
	"context"
	"errors"
	"strings"

	"github.com/seamgo/seam/examples/kv/pubsub"
	"github.com/seamgo/seam/services"
)

// Pub/sub commands: the connection's side. The hub (Config.PubSub) owns
// the subscriptions and writes confirmations and messages into the
// connection's pubsub.Subscriber, which carries all of the connection's
// output from its first (P)SUBSCRIBE on.

// refusedWhileSubscribed answers cmd with Redis's error, and reports
// true, if the connection is subscribed and cmd is not allowed then.
func (c *conn) refusedWhileSubscribed(cmd *command, args [][]byte) bool {
	if c.sub == nil || !c.sub.Subscribed() || c.w.Proto() == 3 {
		return false // RESP3 tells pushes from replies: any command may come
	}
	switch cmd.name {
	case "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ping", "quit", "reset":
		return false
	}
	// Redis 7's text, RESET and sharded channels included; a container
	// command is named with its subcommand.
	name := cmd.name
	switch name {
	case "pubsub", "client", "config", "command":
		if len(args) > 1 {
			name += "|" + strings.ToLower(string(args[1]))
		}
	}
	c.w.WriteError("ERR Can't execute '" + name +
		"': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
	return true
}

// subscriber returns the connection's Subscriber, making it at the first
// subscription: the replies owed so far are written straight away, then
// all output goes through the Subscriber's queue.
func (c *conn) subscriber() (*pubsub.Subscriber, error) {
	if c.sub != nil {
		return c.sub, nil
	}
	if err := c.flush(); err != nil {
		return nil, err
	}
	c.sub = pubsub.NewSubscriber(c.nc, c.h.cfg.PubSub.Limits())
	c.sub.SetProto(c.w.Proto())
	c.sub.Start()
	c.w.Redirect(c.sub) // flushed above: nothing is buffered
	return c.sub, nil
}

// endPubSub, as the connection ends, drops its subscriptions and stops
// its writer once it has sent what is queued.
func (c *conn) endPubSub() {
	if c.sub == nil {
		return
	}
	if c.sub.Subscribed() {
		// A hub that is down has no subscription of it to drop.
		_ = c.h.cfg.PubSub.Drop(context.Background(), c.sub)
	}
	c.sub.Close()
	c.sub = nil
}

// hubCall runs a call to the hub after moving the replies owed so far into
// the queue, so that they precede what the hub writes; a hub error is the
// command's error reply.
func (c *conn) hubCall(call func(*pubsub.Subscriber) error) {
	if c.h.cfg.PubSub == nil {
		c.w.WriteError("ERR pub/sub is not enabled")
		return
	}
	s, err := c.subscriber()
	if err == nil {
		if err = c.flush(); err == nil {
			err = call(s)
		}
	}
	if err != nil {
		c.writeHubError(err)
	}
}

func (c *conn) writeHubError(err error) {
	switch {
	case errors.Is(err, services.ErrActorRestarted), errors.Is(err, services.ErrActorStopped):
		c.w.WriteError("ERR pub/sub is restarting; try again")
	case errors.Is(err, pubsub.ErrOutputLimit), errors.Is(err, pubsub.ErrHubRestarted):
		c.quit = true // the connection is being closed
	default:
		c.w.WriteError("ERR " + err.Error())
	}
}

func cmdSubscribe(c *conn, args [][]byte) {
	c.hubCall(func(s *pubsub.Subscriber) error { return c.h.cfg.PubSub.Subscribe(context.Background(), s, args[1:]) })
}

func cmdPSubscribe(c *conn, args [][]byte) {
	c.hubCall(func(s *pubsub.Subscriber) error { return c.h.cfg.PubSub.PSubscribe(context.Background(), s, args[1:]) })
}

func cmdUnsubscribe(c *conn, args [][]byte) {
	c.hubCall(func(s *pubsub.Subscriber) error { return c.h.cfg.PubSub.Unsubscribe(context.Background(), s, args[1:]) })
}

func cmdPUnsubscribe(c *conn, args [][]byte) {
	c.hubCall(func(s *pubsub.Subscriber) error {
		return c.h.cfg.PubSub.PUnsubscribe(context.Background(), s, args[1:])
	})
}

func cmdPublish(c *conn, args [][]byte) {
	if c.h.cfg.PubSub == nil {
		c.w.WriteError("ERR pub/sub is not enabled")
		return
	}
	c.publishEvents() // the client's writes' keyspace events come first
	if c.sub != nil {
		// A RESP3 subscriber may publish: the replies it is owed go into
		// its queue before the hub's message to itself, as Redis orders them.
		if err := c.flush(); err != nil {
			c.quit = true
			return
		}
	}
	n, err := c.h.cfg.PubSub.Publish(context.Background(), args[1], args[2])
	if err != nil {
		c.writeHubError(err)
		return
	}
	c.w.WriteInt(int64(n))
}

// cmdPubsub is PUBSUB CHANNELS [pattern] | NUMSUB [channel...] | NUMPAT | HELP.
func cmdPubsub(c *conn, args [][]byte) {
	hub := c.h.cfg.PubSub
	if hub == nil {
		c.w.WriteError("ERR pub/sub is not enabled")
		return
	}
	ctx := context.Background()
	switch sub := args[1]; {
	case eqFold(sub, "CHANNELS"):
		if len(args) > 3 {
			c.w.WriteError("ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.")
			return
		}
		var pattern []byte
		if len(args) == 3 {
			pattern = args[2]
		}
		names, err := hub.Channels(ctx, pattern)
		if err != nil {
			c.writeHubError(err)
			return
		}
		c.w.WriteArrayHeader(len(names))
		for _, n := range names {
			c.w.WriteBulk(n)
		}
	case eqFold(sub, "NUMSUB"):
		counts, err := hub.NumSub(ctx, args[2:])
		if err != nil {
			c.writeHubError(err)
			return
		}
		c.w.WriteArrayHeader(2 * len(counts))
		for i, n := range counts {
			c.w.WriteBulk(args[2+i])
			c.w.WriteInt(int64(n))
		}
	case eqFold(sub, "NUMPAT"):
		if len(args) != 2 {
			c.w.WriteError(wrongArgs("pubsub|numpat"))
			return
		}
		n, err := hub.NumPat(ctx)
		if err != nil {
			c.writeHubError(err)
			return
		}
		c.w.WriteInt(int64(n))
	case eqFold(sub, "HELP"):
		c.w.WriteArrayHeader(len(pubsubHelp))
		for _, line := range pubsubHelp {
			c.w.WriteSimple(line)
		}
	default:
		c.w.WriteError(unknownSubcommand(sub, "pubsub"))
	}
}

var pubsubHelp = []string{
	"PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"CHANNELS [<pattern>]",
	"    Return the currently active channels matching a <pattern> (default: '*').",
	"NUMPAT",
	"    Return number of subscriptions to patterns.",
	"NUMSUB [<channel> ...]",
	"    Return the number of subscribers for the specified channels, excluding",
	"    pattern subscriptions(default: no channels).",
	"HELP",
	"    Prints this help.",
}

// pingSubscribed is PING in the subscribed state: RESP2 has no push type,
// so Redis answers with a "pong" array.
func (c *conn) pingSubscribed(args [][]byte) bool {
	if c.sub == nil || !c.sub.Subscribed() || len(args) > 2 || c.w.Proto() == 3 {
		return false
	}
	c.w.WriteArrayHeader(2)
	c.w.WriteBulkString("pong")
	if len(args) == 2 {
		c.w.WriteBulk(args[1])
	} else {
		c.w.WriteBulkString("")
	}
	return true
}

// debugPubSubCrash is the hidden DEBUG PUBSUB-CRASH: the hub panics, as a
// bug in it would.
func debugPubSubCrash(c *conn) {
	if c.h.cfg.PubSub == nil {
		c.w.WriteError("ERR pub/sub is not enabled")
		return
	}
	_ = c.h.cfg.PubSub.Crash(context.Background())
	c.w.WriteOK()
}

// pubsubInfo adds pub/sub's figures to INFO's Stats section.
func (h *Handler) pubsubInfo(b *infoBuilder) {
	if h.cfg.PubSub == nil {
		return
	}
	ch, pat := h.cfg.PubSub.Counts()
	b.int("pubsub_channels", ch)
	b.int("pubsub_patterns", pat)
	b.uint("client_output_buffer_limit_disconnections", h.cfg.PubSub.Cuts())
}

// pubsubCommands are the command table's pub/sub entries.
var pubsubCommands = []*command{
	{name: "subscribe", arity: -2, group: "pubsub", summary: "Listens for messages published to channels.", run: cmdSubscribe},
	{name: "unsubscribe", arity: -1, group: "pubsub", summary: "Stops listening to messages posted to channels.", run: cmdUnsubscribe},
	{name: "psubscribe", arity: -2, group: "pubsub", summary: "Listens for messages published to channels that match one or more patterns.", run: cmdPSubscribe},
	{name: "punsubscribe", arity: -1, group: "pubsub", summary: "Stops listening to messages published to channels that match one or more patterns.", run: cmdPUnsubscribe},
	{name: "publish", arity: 3, flags: flagFast, group: "pubsub", summary: "Posts a message to a channel.", run: cmdPublish},
	{name: "pubsub", arity: -2, group: "pubsub", summary: "A container for Pub/Sub commands.", run: cmdPubsub},
}
