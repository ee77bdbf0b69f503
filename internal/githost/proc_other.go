//go:build !linux

package githost

import "syscall"

// sysProcAttr: only Linux can tie sshd's life to ours; elsewhere Close must run.
func sysProcAttr() *syscall.SysProcAttr { return nil }
