// Command pulumi-language-python is the docker-networking project's fallback Python language host, for
// machines where the official one cannot be had (see scripts/toolchain/install.sh).
//
// The CLI starts it as a plugin, reads the port it prints, and calls it up to three times per command,
// waiting for each start and stop. It answers the CLI's questions about the program itself (plugin
// info, the Python it runs on, the resource plugins its packages declare), and runs each program in a
// Python process of its own (program_runner.py, installed beside this binary), as the official host does.
package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// The engine sends the whole stack's configuration in RunRequest; the official host allows as much.
const maxMessageBytes = 400 * 1024 * 1024

func main() {
	engine := ""
	if len(os.Args) > 1 {
		engine = os.Args[len(os.Args)-1] // flags such as -tracing come first
	}
	self, err := os.Executable()
	if err == nil {
		self, err = filepath.EvalSymlinks(self)
	}
	if err != nil {
		fail(err)
	}
	h := newHost(engine, filepath.Join(filepath.Dir(self), "program_runner.py"))

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	server := grpc.NewServer(grpc.MaxRecvMsgSize(maxMessageBytes))
	pulumirpc.RegisterLanguageRuntimeServer(server, h)
	// The plugin protocol: the first line on stdout is the port the CLI dials.
	fmt.Println(listener.Addr().(*net.TCPAddr).Port)

	go stopWhenAsked(h)
	if err := server.Serve(listener); err != nil {
		fail(err)
	}
}

// stopWhenAsked ends the host at once on SIGINT or SIGTERM: the CLI stops a plugin only when it needs
// nothing more from it. A program still running ends with the host, as a program inside it would.
func stopWhenAsked(h *host) {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	<-signals
	h.killPrograms()
	os.Exit(0)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
	os.Exit(1)
}
