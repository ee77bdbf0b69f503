// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package githost runs real Git hosts on loopback for the acceptance tests
// and the demo, each serving bare repositories in a private directory:
//
//   - Host (Start): OpenSSH's sshd (as a child process we own) in front of
//     git-shell. Deploy keys are authorized_keys lines with a forced
//     command, the way a self-hosted Git server grants a key write or
//     read-only access.
//   - HTTPSHost (StartHTTPS, https.go): git http-backend behind TLS, with
//     a CA of its own and personal access tokens (HTTP basic
//     authentication) with write or read-only access.
//
// Repositories on both have the same helpers (Commit, Head, ...; repo.go),
// which push as the host's admin over the host's own transport. Everything
// listens on 127.0.0.1 only. The package must not import "testing": the demo
// uses it too.
//
// Requirements: git on PATH; for Host also /usr/sbin/sshd (Debian's
// openssh-server), git-shell and ssh. Run as root (as on CI), sshd can only
// be logged into as root; run as another user it serves only that user.
package githost

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

// sshdPath is absolute because sshd refuses to run otherwise (it re-executes
// itself for every connection).
const sshdPath = "/usr/sbin/sshd"

const (
	startTimeout = 10 * time.Second // how long Start waits for sshd to answer
	stopGrace    = 5 * time.Second  // SIGTERM to SIGKILL
	bindAttempts = 5                // free ports are picked then released, so another process may take one
)

// Host is a running sshd serving bare repositories under Dir/repos.
// Its methods are safe for concurrent use.
type Host struct {
	Dir  string // private directory: sshd_config, host key, authorized_keys, repos/, logs
	Addr string // "127.0.0.1:<port>"
	Port int
	User string // the login user in clone URLs (the current user, normally root)

	cfgPath      string
	logPath      string
	hostKeyPath  string
	adminKeyPath string // private key of the admin, authorized ReadWrite
	gitShell     string // absolute path of git-shell, used in forced commands
	removeDir    bool   // Dir was created by Start and is removed by Close
	penaltiesOpt bool   // this sshd knows PerSourcePenalties (OpenSSH >= 9.8)

	mu      sync.Mutex
	hostPub ssh.PublicKey
	keys    []authorizedKey // in the order they were first authorized
	proc    *sshdProc
	closed  bool
}

// Start creates (if needed) dir, generates a host key and an admin key pair,
// and starts sshd on a free loopback port. ctx bounds only the start-up
// (which is also capped at 10 s); the server runs until Close. An empty dir
// means a new temporary directory, removed again by Close.
func Start(ctx context.Context, dir string) (*Host, error) {
	if _, err := os.Stat(sshdPath); err != nil {
		return nil, fmt.Errorf("githost: %s not found (apt-get install openssh-server): %w", sshdPath, err)
	}
	gitShell, err := exec.LookPath("git-shell")
	if err != nil {
		return nil, fmt.Errorf("githost: git-shell not found (apt-get install git): %w", err)
	}
	if gitShell, err = filepath.Abs(gitShell); err != nil {
		return nil, err
	}
	u, err := user.Current()
	if err != nil {
		return nil, fmt.Errorf("githost: current user: %w", err)
	}

	h := &Host{User: u.Username, gitShell: gitShell}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "githost-"); err != nil {
			return nil, err
		}
		h.removeDir = true
	}
	if h.Dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	if err := h.init(ctx); err != nil {
		if h.removeDir {
			os.RemoveAll(h.Dir)
		}
		return nil, err
	}
	return h, nil
}

func (h *Host) init(ctx context.Context) error {
	// The directory ends up in sshd_config, in authorized_keys forced
	// commands, in GIT_SSH_COMMAND and in URLs; keep it free of anything
	// that would need quoting in any of them.
	if err := checkSafePath(h.Dir); err != nil {
		return err
	}
	for _, d := range []string{h.Dir, filepath.Join(h.Dir, "repos"), filepath.Join(h.Dir, "work")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("githost: %w", err)
		}
	}
	// sshd running as root insists on its privilege separation directory.
	if os.Geteuid() == 0 {
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			return fmt.Errorf("githost: %w", err)
		}
	}
	h.cfgPath = filepath.Join(h.Dir, "sshd_config")
	h.logPath = filepath.Join(h.Dir, "sshd.log")
	h.hostKeyPath = filepath.Join(h.Dir, "ssh_host_ed25519_key")
	h.adminKeyPath = filepath.Join(h.Dir, "admin_ed25519")

	if err := h.writeHostKey(); err != nil {
		return err
	}
	if err := h.writeReadOnlyCommand(); err != nil {
		return err
	}
	adminPub, err := writeKeyPair(h.adminKeyPath, "githost-admin")
	if err != nil {
		return err
	}
	if err := h.AuthorizeKey(adminPub, ReadWrite); err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	if err := h.checkConfig(ctx); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.startLocked(ctx, 0)
}

// Close stops sshd (SIGTERM, SIGKILL after 5 s) and waits for it. Sessions
// already connected are separate processes and end with their clients. It is
// safe to call Close more than once.
func (h *Host) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	h.closed = true
	var err error
	if h.proc != nil {
		err = h.proc.stop()
		h.proc = nil
	}
	if h.removeDir {
		if rmErr := os.RemoveAll(h.Dir); err == nil {
			err = rmErr
		}
	}
	return err
}

// restart stops sshd and starts it again on the same port, e.g. to serve a
// new host key. sshd sets SO_REUSEADDR, so the port can be bound again at once.
func (h *Host) restart(ctx context.Context) error {
	if h.closed {
		return errors.New("githost: host is closed")
	}
	if h.proc != nil {
		if err := h.proc.stop(); err != nil {
			return err
		}
		h.proc = nil
	}
	return h.startLocked(ctx, h.Port)
}

// mallocTunables stops glibc from handing freed heap back to the kernel
// after every few allocations. On our VMs (Firecracker with free page
// reporting) each page taken back costs a fault to the host, and git
// fast-import ran 70 times slower (13 s instead of 0.2 s for 3,000
// commits); clones over SSH about 4 times slower. Harmless elsewhere: the
// memory is only kept by short-lived git and sshd processes.
const mallocTunables = "GLIBC_TUNABLES=glibc.malloc.top_pad=67108864:glibc.malloc.trim_threshold=134217728"

var errBind = errors.New("sshd could not bind its port")

// startLocked starts sshd on port, or on a free port if port is 0, and waits
// until it answers with our host key. h.mu is held.
func (h *Host) startLocked(ctx context.Context, port int) error {
	var err error
	for attempt := 0; attempt < bindAttempts; attempt++ {
		p := port
		if p == 0 {
			if p, err = freePort(); err != nil {
				return err
			}
		}
		if err = os.WriteFile(h.cfgPath, []byte(h.config(p)), 0o600); err != nil {
			return fmt.Errorf("githost: %w", err)
		}
		var proc *sshdProc
		logStart := fileSize(h.logPath)
		if proc, err = launch(h.cfgPath, h.logPath); err != nil {
			return err
		}
		if err = h.waitReady(ctx, proc, p, logStart); err == nil {
			h.proc = proc
			if port == 0 {
				// Set once: Port and Addr are read without the lock.
				h.Port, h.Addr = p, net.JoinHostPort("127.0.0.1", fmt.Sprint(p))
			}
			return nil
		}
		if stopErr := proc.stop(); stopErr != nil {
			// An sshd that outlives its failed start would hold the port.
			return errors.Join(err, stopErr)
		}
		if !errors.Is(err, errBind) || ctx.Err() != nil {
			return err
		}
		if port != 0 {
			// Same port wanted (restart): give whoever holds it a moment.
			time.Sleep(100 * time.Millisecond)
		}
	}
	return err
}

// waitReady polls until sshd completes an SSH key exchange with the host key
// we gave it. Checking the key, not just a banner, guards against another
// process that happens to listen on the port we picked.
func (h *Host) waitReady(ctx context.Context, proc *sshdProc, port int, logStart int64) error {
	addr := net.JoinHostPort("127.0.0.1", fmt.Sprint(port))
	want := h.hostPub
	for {
		select {
		case <-proc.done:
			log := readFrom(h.logPath, logStart)
			if strings.Contains(log, "Address already in use") || strings.Contains(log, "Cannot bind any address") {
				return fmt.Errorf("githost: port %d: %w", port, errBind)
			}
			return fmt.Errorf("githost: sshd exited during start (%v); log:\n%s", proc.err, h.logTail())
		case <-ctx.Done():
			return fmt.Errorf("githost: sshd did not answer on %s: %w; log:\n%s", addr, ctx.Err(), h.logTail())
		default:
		}
		got, err := probeHostKey(ctx, addr, proc.done)
		if err == nil && bytes.Equal(got.Marshal(), want.Marshal()) {
			return nil
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
		case <-proc.done:
		}
	}
}

var errProbeDone = errors.New("host key seen")

// probeHostKey connects to addr, reads the SSH banner and runs the key
// exchange far enough to learn the server's host key, then hangs up without
// trying to authenticate.
func probeHostKey(ctx context.Context, addr string, exited <-chan struct{}) (ssh.PublicKey, error) {
	d := net.Dialer{Timeout: time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	// Once connected, wait as long as the caller allows: on a loaded
	// machine sshd's re-exec and key exchange can take seconds, and giving
	// up early would only start that work over again.
	// Stop waiting if our sshd exits meanwhile: then whoever answered on
	// this port is not ours.
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(startTimeout)
	}
	if err := conn.SetDeadline(deadline); err != nil {
		return nil, err
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-exited:
			conn.Close()
		case <-stop:
		}
	}()
	var key ssh.PublicKey
	_, _, _, err = ssh.NewClientConn(conn, addr, &ssh.ClientConfig{
		User:              "probe",
		HostKeyAlgorithms: []string{ssh.KeyAlgoED25519},
		HostKeyCallback: func(_ string, _ net.Addr, k ssh.PublicKey) error {
			key = k
			return errProbeDone
		},
	})
	if key == nil {
		if err == nil {
			err = errors.New("no host key received")
		}
		return nil, err
	}
	return key, nil
}

// config renders sshd_config. Only public-key logins for our user, nothing
// but forced commands (no pty, no forwarding), logs verbose enough to show
// which key was accepted.
func (h *Host) config(port int) string {
	lines := []string{
		"# Written by githost (internal/githost); regenerated on every start.",
		fmt.Sprintf("Port %d", port),
		"ListenAddress 127.0.0.1",
		"AddressFamily inet",
		"HostKey " + h.hostKeyPath,
		"PidFile " + filepath.Join(h.Dir, "sshd.pid"),
		"AuthorizedKeysFile " + filepath.Join(h.Dir, "authorized_keys"),
		"AllowUsers " + h.User,
		"PubkeyAuthentication yes",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"HostbasedAuthentication no",
		"PermitRootLogin prohibit-password",
		"UsePAM no",
		// Dir may live in a world-writable parent such as /tmp.
		"StrictModes no",
		"X11Forwarding no",
		"AllowAgentForwarding no",
		"AllowTcpForwarding no",
		"AllowStreamLocalForwarding no",
		"PermitTunnel no",
		"PermitTTY no",
		"PermitUserRC no",
		"PermitUserEnvironment no",
		// Lets git negotiate protocol v2, as it would with a real host.
		"AcceptEnv GIT_PROTOCOL",
		// sshd runs forced commands through the user's login shell, and
		// Debian's bash sources ~/.bashrc when started by sshd, unless it
		// believes it is a nested shell. A .bashrc that prints anything
		// would corrupt the Git protocol; the one on our machines runs
		// `pyenv init` and costs seconds per connection.
		"SetEnv SHLVL=1 " + mallocTunables,
		"PrintMotd no",
		"PrintLastLog no",
		"UseDNS no",
		"LoginGraceTime 30",
		// Parallel tests open many connections at once; the default (10)
		// starts dropping unauthenticated ones at random.
		"MaxStartups 200",
		"LogLevel VERBOSE",
	}
	if h.penaltiesOpt {
		// OpenSSH >= 9.8 blocks a source address after failed logins;
		// every test connects from 127.0.0.1 and some fail on purpose.
		lines = append(lines, "PerSourcePenalties no")
	}
	return strings.Join(lines, "\n") + "\n"
}

// checkConfig runs `sshd -t` once, which catches a bad configuration with a
// clear message, and finds out whether this sshd knows PerSourcePenalties.
func (h *Host) checkConfig(ctx context.Context) error {
	test := func() (string, error) {
		if err := os.WriteFile(h.cfgPath, []byte(h.config(22)), 0o600); err != nil {
			return "", err
		}
		out, err := exec.CommandContext(ctx, sshdPath, "-t", "-f", h.cfgPath).CombinedOutput()
		return string(out), err
	}
	h.penaltiesOpt = true
	out, err := test()
	if err != nil && strings.Contains(out, "PerSourcePenalties") {
		h.penaltiesOpt = false
		out, err = test()
	}
	if err != nil {
		return fmt.Errorf("githost: sshd -t rejected the configuration: %v: %s", err, strings.TrimSpace(out))
	}
	return nil
}

// freePort asks the kernel for a free loopback port. It is released before
// sshd binds it, hence the retries in startLocked.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("githost: finding a free port: %w", err)
	}
	defer l.Close()
	return tcpPort(l)
}

// tcpPort is the port a TCP listener listens on.
func tcpPort(l net.Listener) (int, error) {
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, fmt.Errorf("githost: %s is not a TCP address", l.Addr())
	}
	return addr.Port, nil
}

// LogTail returns the last lines of the sshd log, for error messages.
func (h *Host) LogTail() string { return h.logTail() }

func (h *Host) logTail() string {
	data, _ := os.ReadFile(h.logPath)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func readFrom(path string, offset int64) string {
	data, _ := os.ReadFile(path)
	if offset > int64(len(data)) {
		offset = 0
	}
	return string(data[offset:])
}

// checkSafePath refuses paths that would need quoting somewhere along the way.
func checkSafePath(p string) error {
	for _, r := range p {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("/._-+@~,", r):
		default:
			return fmt.Errorf("githost: directory %q contains %q; use letters, digits and /._-+@~, only", p, r)
		}
	}
	return nil
}

// sshdProc is one sshd process run with -D, so it stays our child.
type sshdProc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // its exit status; read after done
}

func launch(cfgPath, logPath string) (*sshdProc, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("githost: %w", err)
	}
	p := &sshdProc{done: make(chan struct{})}
	p.cmd = exec.Command(sshdPath, "-D", "-f", cfgPath, "-E", logPath)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile // what sshd prints before it opens -E
	p.cmd.SysProcAttr = sysProcAttr()
	p.cmd.Env = append(os.Environ(), mallocTunables)
	started := make(chan error, 1)
	go func() {
		// On Linux sshd gets SIGTERM when the thread that started it exits
		// (Pdeathsig), so it cannot outlive a killed test binary. Pin this
		// goroutine to its thread until sshd is gone so that the Go runtime
		// never retires that thread early. Never unlocked: the thread exits
		// with the goroutine, which is harmless by then.
		runtime.LockOSThread()
		if err := p.cmd.Start(); err != nil {
			logFile.Close()
			started <- err
			return
		}
		started <- nil
		p.err = p.cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("githost: starting sshd: %w", err)
	}
	return p, nil
}

// stop sends SIGTERM, then SIGKILL if sshd has not exited after stopGrace.
func (p *sshdProc) stop() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(stopGrace):
	}
	_ = p.cmd.Process.Kill()
	select {
	case <-p.done:
		return nil
	case <-time.After(stopGrace):
		return fmt.Errorf("githost: sshd (pid %d) did not exit after SIGKILL", p.cmd.Process.Pid)
	}
}
