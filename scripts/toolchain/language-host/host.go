package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
)

// host serves the CLI's LanguageRuntime calls; the ones it does not implement answer Unimplemented,
// which the CLI handles as it does for the official host's optional calls.
type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engine string // the engine's address, passed on to each program
	runner string // program_runner.py

	mu       sync.Mutex
	programs map[*exec.Cmd]struct{}
}

func newHost(engine, runner string) *host {
	return &host{engine: engine, runner: runner, programs: map[*exec.Cmd]struct{}{}}
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: sdkVersion(virtualenv(nil))}, nil
}

func (h *host) About(_ context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	venv := virtualenv(req.GetInfo())
	return &pulumirpc.AboutResponse{Executable: python(venv), Version: pythonVersion(venv)}, nil
}

func (h *host) GetRequiredPackages(_ context.Context,
	req *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{Packages: resourcePlugins(virtualenv(req.GetInfo()))}, nil
}

func (h *host) GetRequiredPlugins(_ context.Context,
	req *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	var plugins []*pulumirpc.PluginDependency
	for _, p := range resourcePlugins(virtualenv(req.GetInfo())) {
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

// Run hands the request to program_runner.py in a new Python process (stdin) and returns the answer it
// writes to its file descriptor 3. The program's own output goes to this host's stdout and stderr.
func (h *host) Run(_ context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	request, err := proto.Marshal(req)
	if err != nil {
		return nil, err
	}
	answerReader, answerWriter, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer answerReader.Close()
	cmd := exec.Command(python(virtualenv(req.GetInfo())), "-u", h.runner, h.engine)
	cmd.Dir = programDirectory(req)
	cmd.Stdin = bytes.NewReader(request)
	stderr := &lastBytes{limit: 4096}
	cmd.Stdout, cmd.Stderr = os.Stdout, io.MultiWriter(os.Stderr, stderr)
	cmd.ExtraFiles = []*os.File{answerWriter}
	endWithParent(cmd)

	started := h.start(cmd)
	answerWriter.Close() // the child holds its own copy
	if started != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not start the program runner: %v", started)}, nil
	}
	answer, _ := io.ReadAll(answerReader)
	waited := cmd.Wait()
	h.forget(cmd)

	response := &pulumirpc.RunResponse{}
	if waited != nil || proto.Unmarshal(answer, response) != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("the program runner (%s) ended without an answer (%v)\n%s",
			h.runner, waited, stderr.String())}, nil
	}
	return response, nil
}

// start starts a program and keeps it in the list a stop kills; forget takes it off once it has ended.
func (h *host) start(cmd *exec.Cmd) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := cmd.Start(); err != nil {
		return err
	}
	h.programs[cmd] = struct{}{}
	return nil
}

func (h *host) forget(cmd *exec.Cmd) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.programs, cmd)
}

func (h *host) killPrograms() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for cmd := range h.programs {
		_ = cmd.Process.Kill()
	}
}

func programDirectory(req *pulumirpc.RunRequest) string {
	if dir := req.GetInfo().GetProgramDirectory(); dir != "" {
		return dir
	}
	return req.GetPwd()
}

// lastBytes keeps the end of what is written to it: the runner's last words, for the error message.
type lastBytes struct {
	limit int
	data  []byte
}

func (b *lastBytes) Write(p []byte) (int, error) {
	b.data = append(b.data, p...)
	if len(b.data) > b.limit {
		b.data = b.data[len(b.data)-b.limit:]
	}
	return len(p), nil
}

func (b *lastBytes) String() string { return string(b.data) }
