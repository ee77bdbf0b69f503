// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package githost

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestStartServesSSHOnLoopback(t *testing.T) {
	t.Parallel()
	start := time.Now()
	h := startHost(t)
	t.Logf("sshd started in %v on %s", time.Since(start), h.Addr)

	if h.Addr != "127.0.0.1:"+strconv.Itoa(h.Port) || h.Port == 0 {
		t.Fatalf("Addr = %q, Port = %d", h.Addr, h.Port)
	}
	conn, err := net.DialTimeout("tcp", h.Addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	banner, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(banner, "SSH-2.0-OpenSSH") {
		t.Fatalf("banner = %q, %v; want SSH-2.0-OpenSSH...", banner, err)
	}

	// ssh-keyscan, an independent client, must see the key we report.
	if got := keyscan(t, h); got != h.HostPublicKey() {
		t.Fatalf("ssh-keyscan sees %q; HostPublicKey = %q", got, h.HostPublicKey())
	}
	if !strings.HasPrefix(h.HostKeyFingerprint(), "SHA256:") {
		t.Fatalf("HostKeyFingerprint = %q", h.HostKeyFingerprint())
	}
	// ... and so must ssh-keygen, reading the key file sshd was given.
	out, err := exec.Command("ssh-keygen", "-l", "-f", h.hostKeyPath).CombinedOutput()
	if err != nil || !strings.Contains(string(out), h.HostKeyFingerprint()) {
		t.Fatalf("ssh-keygen -l: %v %s; want %s", err, out, h.HostKeyFingerprint())
	}
}

func TestCloseStopsSSHD(t *testing.T) {
	t.Parallel()
	h := startHost(t)
	pid := h.proc.cmd.Process.Pid
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if conn, err := net.DialTimeout("tcp", h.Addr, time.Second); err == nil {
		conn.Close()
		t.Fatalf("%s still accepts connections after Close", h.Addr)
	}
	// Reaped, not just signalled: no such process any more.
	if err := syscall.Kill(pid, 0); err != syscall.ESRCH {
		t.Fatalf("sshd pid %d after Close: kill(0) = %v; want ESRCH", pid, err)
	}
	if err := h.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := h.RotateHostKey(); err == nil {
		t.Fatal("RotateHostKey after Close succeeded")
	}
}

func TestStartWithEmptyDirUsesTemporaryDirectory(t *testing.T) {
	t.Parallel()
	h, err := Start(testContext(t), "")
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if _, err := os.Stat(filepath.Join(h.Dir, "sshd_config")); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(h.Dir); !os.IsNotExist(err) {
		t.Fatalf("temporary directory %s still there after Close: %v", h.Dir, err)
	}
}

func TestStartRejectsDirectoryNeedingQuotes(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), `it's here`)
	if h, err := Start(testContext(t), dir); err == nil {
		h.Close()
		t.Fatal("Start accepted a directory with a quote in it")
	}
}

// Tests run in parallel, so several hosts must coexist, each with its own
// port and host key.
func TestHostsRunSideBySide(t *testing.T) {
	t.Parallel()
	const n = 3
	hosts := make([]*Host, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hosts[i], errs[i] = Start(testContext(t), t.TempDir())
		}()
	}
	wg.Wait()
	for i, h := range hosts {
		if errs[i] != nil {
			t.Fatalf("Start %d: %v", i, errs[i])
		}
		t.Cleanup(func() { h.Close() })
	}
	ports := map[int]bool{}
	for _, h := range hosts {
		if ports[h.Port] {
			t.Fatalf("two hosts on port %d", h.Port)
		}
		ports[h.Port] = true
		if got := keyscan(t, h); got != h.HostPublicKey() {
			t.Fatalf("%s serves %q; want its own key %q", h.Addr, got, h.HostPublicKey())
		}
	}
	// Each host takes pushes.
	for _, h := range hosts {
		newRepoWithCommit(t, h)
	}
}

// keyscan returns the ed25519 host key ssh-keyscan reads from h.
func keyscan(t *testing.T, h *Host) string {
	t.Helper()
	out, err := exec.CommandContext(testContext(t), "ssh-keyscan", "-T", "5", "-t", "ed25519",
		"-p", strconv.Itoa(h.Port), "127.0.0.1").Output()
	if err != nil {
		t.Fatalf("ssh-keyscan: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if fields := strings.Fields(line); len(fields) == 3 && fields[0] == "[127.0.0.1]:"+strconv.Itoa(h.Port) {
			return fields[1] + " " + fields[2]
		}
	}
	t.Fatalf("ssh-keyscan printed no key for %s: %q", h.Addr, out)
	return ""
}
