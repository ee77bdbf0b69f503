// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package githost

import "syscall"

// sysProcAttr makes the kernel send sshd SIGTERM when its parent thread dies,
// so that a test binary killed mid-run (timeout, ^C) leaves no sshd behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
