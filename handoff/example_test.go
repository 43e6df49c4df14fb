package handoff_test

import (
	"context"
	"net"
	"os"

	"github.com/cloudflare/tableflip"
	"github.com/rs/zerolog"

	"github.com/seamgo/seam/handoff"
	"github.com/seamgo/seam/listener"
	"github.com/seamgo/seam/supervisor"
)

var echo = listener.HandlerFunc(func(_ context.Context, c net.Conn) error {
	_, err := c.Write([]byte("hello\n"))
	return err
})

// A service started by systemd with a socket unit whose
// FileDescriptorName= is "kv" serves that socket.
func ExampleSystemd() {
	log := zerolog.New(os.Stderr)
	srv := &listener.Server{Name: "kv", Bind: handoff.Systemd("kv"), Handler: echo, Logger: log}
	if err := supervisor.Run(context.Background(), srv, supervisor.RunConfig{Logger: log}); err != nil {
		log.Error().Err(err).Msg("exit")
		os.Exit(1)
	}
}

// A program upgraded in place at SIGHUP: the binary at the same path
// starts on the same socket, and this one stops once it is ready.
func ExampleNew() {
	log := zerolog.New(os.Stderr)
	upg, err := handoff.New(tableflip.Options{PIDFile: "/run/app.pid"})
	if err != nil {
		log.Error().Err(err).Msg("exit")
		os.Exit(1)
	}
	srv := &listener.Server{Addr: ":6380", Bind: upg.Bind, Handler: echo, Logger: log}
	err = supervisor.Run(context.Background(), srv, supervisor.RunConfig{Logger: log, Upgrader: upg})
	if err != nil {
		log.Error().Err(err).Msg("exit")
		os.Exit(1)
	}
}
