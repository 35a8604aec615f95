package main

import (
	"os/exec"
	"syscall"
)

// endWithParent has the kernel kill the program if the host dies without being asked to stop.
func endWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
