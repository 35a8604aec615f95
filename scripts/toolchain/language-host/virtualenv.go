package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// virtualenv is where a program's Python lives: Pulumi.yaml's runtime option `virtualenv` (relative to
// the project's root), else .venv in the directory the CLI started the host in (the project's).
func virtualenv(info *pulumirpc.ProgramInfo) string {
	root, _ := os.Getwd()
	if dir := info.GetRootDirectory(); dir != "" {
		root = dir
	}
	if configured, ok := info.GetOptions().AsMap()["virtualenv"].(string); ok && configured != "" {
		if filepath.IsAbs(configured) {
			return configured
		}
		return filepath.Join(root, configured)
	}
	return filepath.Join(root, ".venv")
}

// python is the virtualenv's interpreter, else python3 on PATH.
func python(venv string) string {
	inVenv := filepath.Join(venv, "bin", "python")
	if _, err := os.Stat(inVenv); err == nil {
		return inVenv
	}
	if onPath, err := exec.LookPath("python3"); err == nil {
		return onPath
	}
	return "python3"
}

// pythonVersion reads the interpreter's version from the virtualenv's pyvenv.cfg (no Python started).
func pythonVersion(venv string) string {
	data, err := os.ReadFile(filepath.Join(venv, "pyvenv.cfg"))
	if err != nil {
		return ""
	}
	version := ""
	for _, line := range strings.Split(string(data), "\n") {
		key, value, found := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if found && (key == "version" || key == "version_info") {
			version = strings.TrimSpace(value)
		}
	}
	return version
}

func sitePackages(venv string) []string {
	dirs, _ := filepath.Glob(filepath.Join(venv, "lib", "python3*", "site-packages"))
	return dirs
}

// sdkVersion is the installed Pulumi SDK's version, from its dist-info directory's name.
func sdkVersion(venv string) string {
	for _, dir := range sitePackages(venv) {
		found, _ := filepath.Glob(filepath.Join(dir, "pulumi-*.dist-info"))
		for _, info := range found {
			version := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(info), "pulumi-"), ".dist-info")
			if version != "" && version[0] >= '0' && version[0] <= '9' {
				return version
			}
		}
	}
	return ""
}

// resourcePlugins lists the resource plugins the installed packages declare: a package ships a
// pulumi-plugin.json beside its code, e.g. pulumi_docker/pulumi-plugin.json.
func resourcePlugins(venv string) []*pulumirpc.PackageDependency {
	var plugins []*pulumirpc.PackageDependency
	for _, dir := range sitePackages(venv) {
		files, _ := filepath.Glob(filepath.Join(dir, "*", "pulumi-plugin.json"))
		for _, file := range files {
			var declared struct {
				Resource bool   `json:"resource"`
				Name     string `json:"name"`
				Version  string `json:"version"`
				Server   string `json:"server"`
			}
			data, err := os.ReadFile(file)
			if err != nil || json.Unmarshal(data, &declared) != nil || !declared.Resource || declared.Name == "" {
				continue
			}
			plugins = append(plugins, &pulumirpc.PackageDependency{
				Name: declared.Name, Kind: "resource", Version: declared.Version, Server: declared.Server})
		}
	}
	return plugins
}
