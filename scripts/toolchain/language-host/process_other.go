//go:build !linux

package main

import "os/exec"

// endWithParent: only Linux offers a parent-death signal; elsewhere a stop still ends the program.
func endWithParent(*exec.Cmd) {}
