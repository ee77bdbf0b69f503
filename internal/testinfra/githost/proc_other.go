// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

//go:build !linux

package githost

import "syscall"

// sysProcAttr: only Linux can tie sshd's life to ours; elsewhere Close must run.
func sysProcAttr() *syscall.SysProcAttr { return nil }
