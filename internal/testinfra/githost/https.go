// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package githost

// The HTTPS host: git http-backend (smart HTTP, run through net/http/cgi)
// behind TLS on loopback, with HTTP basic authentication against personal
// access tokens, the way GitLab, Gitea or Bitbucket Server serve HTTPS
// remotes. Its certificate comes from a CA generated at start, which
// clients must trust explicitly (CertPool, CACertPEM or CAFile). Like the
// SSH host it runs in the calling process's user and never listens
// anywhere but 127.0.0.1.

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

const (
	serviceUploadPack  = "git-upload-pack"  // clone, fetch, ls-remote
	serviceReceivePack = "git-receive-pack" // push

	httpsAdminUser   = "githost-admin"
	httpsCloseWait   = 5 * time.Second  // Close waits this long for running requests
	maxSpooledBody   = 1 << 30          // bodies of unknown length are spooled to disk, up to this size
	maxRequestHeader = 64 << 10         // bytes of request headers
	readHeaderWait   = 10 * time.Second // a client must send its headers in this time
	certValidity     = 365 * 24 * time.Hour
)

// ErrTokenNotFound is returned by RevokeToken for a token that is not known.
var ErrTokenNotFound = errors.New("githost: token not found")

var errBodyTooLarge = fmt.Errorf("githost: request body larger than %d bytes", maxSpooledBody)

// HTTPSHost is a running HTTPS Git host serving bare repositories under
// Dir/repos. Its methods are safe for concurrent use.
type HTTPSHost struct {
	Dir    string // private directory: ca.pem, repos/, work/, https.log
	Addr   string // "127.0.0.1:<port>"
	Port   int
	URL    string // "https://127.0.0.1:<port>", without a trailing slash
	CAFile string // Dir/ca.pem: the CA certificate in PEM, e.g. for GIT_SSL_CAINFO

	caPEM      []byte
	pool       *x509.CertPool
	adminToken string
	backend    cgi.Handler // template; each request gets a copy with its REMOTE_USER
	server     *http.Server
	serveDone  chan struct{}
	requests   sync.WaitGroup // requests being served
	logFile    *os.File
	logger     *log.Logger
	logPath    string
	removeDir  bool

	mu      sync.Mutex
	tokens  []httpsToken
	handler http.Handler // the chain Use builds, ending in serveGit
	closed  bool
}

type httpsToken struct {
	username string
	token    string
	access   Access
}

// HTTPSRepo is a bare repository served by an HTTPSHost. Name is the name
// given to CreateRepo (without ".git"), Path the bare repository's absolute
// path (Dir/repos/<name>.git). Its helpers (Commit, ForcePush,
// DeleteBranch, GenerateHistory, Head) are those of Repo; they work as the
// admin, over HTTPS.
type HTTPSRepo struct {
	Host *HTTPSHost
	bareRepo
}

// StartHTTPS creates (if needed) dir, generates a CA and a server
// certificate for 127.0.0.1 signed by it, and serves git http-backend over
// TLS on a free loopback port. Only requests with a token added by
// AddToken get in (besides the admin's own, used by the repositories'
// helpers). ctx bounds only the start-up; the server runs until Close. An
// empty dir means a new temporary directory, removed again by Close.
//
// Requirements: git (with git-http-backend, Debian's git package has it).
func StartHTTPS(ctx context.Context, dir string) (*HTTPSHost, error) {
	git, err := exec.LookPath("git")
	if err != nil {
		return nil, fmt.Errorf("githost: git not found (apt-get install git): %w", err)
	}
	if git, err = filepath.Abs(git); err != nil {
		return nil, err
	}
	h := &HTTPSHost{}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "githost-https-"); err != nil {
			return nil, err
		}
		h.removeDir = true
	}
	if h.Dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	if err := h.init(ctx, git); err != nil {
		if h.logFile != nil {
			h.logFile.Close()
		}
		if h.removeDir {
			os.RemoveAll(h.Dir)
		}
		return nil, err
	}
	return h, nil
}

func (h *HTTPSHost) init(ctx context.Context, git string) error {
	// The directory ends up in URLs and git's environment; as for the SSH
	// host, keep it free of anything that would need quoting.
	if err := checkSafePath(h.Dir); err != nil {
		return err
	}
	for _, d := range []string{h.Dir, filepath.Join(h.Dir, "repos"), filepath.Join(h.Dir, "work")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("githost: %w", err)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	cert, err := newCertificates()
	if err != nil {
		return err
	}
	h.caPEM, h.pool = cert.caPEM, cert.pool
	h.CAFile = filepath.Join(h.Dir, "ca.pem")
	if err := writeFileAtomic(h.CAFile, h.caPEM, 0o644); err != nil {
		return err
	}

	h.logPath = filepath.Join(h.Dir, "https.log")
	if h.logFile, err = os.OpenFile(h.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err != nil {
		return fmt.Errorf("githost: %w", err)
	}
	h.logger = log.New(h.logFile, "", log.LstdFlags|log.Lmicroseconds)

	env := []string{
		"GIT_PROJECT_ROOT=" + filepath.Join(h.Dir, "repos"),
		"GIT_HTTP_EXPORT_ALL=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_CONFIG_NOSYSTEM=1",
	}
	if os.Getenv("GLIBC_TUNABLES") == "" {
		env = append(env, mallocTunables)
	}
	h.backend = cgi.Handler{Path: git, Args: []string{"http-backend"}, Env: env, Stderr: h.logFile, Logger: h.logger}

	admin := make([]byte, 24)
	if _, err := rand.Read(admin); err != nil {
		return err
	}
	h.adminToken = "githost-" + hex.EncodeToString(admin)
	h.tokens = []httpsToken{{username: httpsAdminUser, token: h.adminToken, access: ReadWrite}}
	h.handler = http.HandlerFunc(h.serveGit)

	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp4", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("githost: listening on loopback: %w", err)
	}
	if h.Port, err = tcpPort(ln); err != nil {
		ln.Close()
		return err
	}
	h.Addr = net.JoinHostPort("127.0.0.1", fmt.Sprint(h.Port))
	h.URL = "https://" + h.Addr
	h.server = &http.Server{
		Handler: http.HandlerFunc(h.serveHTTP),
		TLSConfig: &tls.Config{
			MinVersion:   tls.VersionTLS12,
			Certificates: []tls.Certificate{cert.server},
		},
		ReadHeaderTimeout: readHeaderWait,
		MaxHeaderBytes:    maxRequestHeader,
		ErrorLog:          h.logger, // TLS handshakes of clients that do not trust the CA end up here
	}
	h.serveDone = make(chan struct{})
	go func() {
		defer close(h.serveDone)
		if err := h.server.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			h.logger.Printf("serve: %v", err)
		}
	}()
	return nil
}

// Close stops the server, waits (at most 5 s) for the requests it is
// serving, and removes Dir if StartHTTPS created it. It is safe to call
// Close more than once.
func (h *HTTPSHost) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	h.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), httpsCloseWait)
	defer cancel()
	if h.server.Shutdown(ctx) != nil {
		h.server.Close() // connections still busy after the wait: cut them
	}
	<-h.serveDone
	// Handlers cut off by Close may still be waiting for their git
	// http-backend, which ends once its client is gone.
	var err error
	waited := make(chan struct{})
	go func() { h.requests.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(httpsCloseWait):
		err = errors.New("githost: requests still running after Close")
	}
	h.logFile.Close()
	if h.removeDir {
		if rmErr := os.RemoveAll(h.Dir); err == nil {
			err = rmErr
		}
	}
	return err
}

// CACertPEM is the certificate of the CA that signed the server's
// certificate, in PEM.
func (h *HTTPSHost) CACertPEM() []byte { return slices.Clone(h.caPEM) }

// CertPool is a pool holding only the host's CA, e.g. for
// tls.Config.RootCAs. Each call returns a new pool.
func (h *HTTPSHost) CertPool() *x509.CertPool { return h.pool.Clone() }

// AddToken lets username log in with token (HTTP basic authentication: the
// token is the password) with the given access: ReadWrite for clone, fetch
// and push, ReadOnly for clone and fetch only. Adding a token already known
// changes its user and access. It takes effect at once.
func (h *HTTPSHost) AddToken(username, token string, access Access) error {
	if access != ReadWrite && access != ReadOnly {
		return fmt.Errorf("githost: unknown access %v", access)
	}
	if username == "" || strings.ContainsAny(username, ":") || strings.ContainsFunc(username, isControl) {
		return fmt.Errorf("githost: bad username %q (empty, or with \":\" or control characters)", username)
	}
	if token == "" || strings.ContainsFunc(token, isControl) {
		return errors.New("githost: bad token (empty, or with control characters)")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range h.tokens {
		if h.tokens[i].token == token {
			h.tokens[i].username, h.tokens[i].access = username, access
			return nil
		}
	}
	h.tokens = append(h.tokens, httpsToken{username: username, token: token, access: access})
	return nil
}

// RevokeToken removes a token added by AddToken; requests with it are
// refused from then on. It returns ErrTokenNotFound for a token that is
// not known.
func (h *HTTPSHost) RevokeToken(token string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, t := range h.tokens {
		if t.token == token && t.username != httpsAdminUser {
			h.tokens = slices.Delete(h.tokens, i, i+1)
			return nil
		}
	}
	return ErrTokenNotFound
}

// Use puts middleware in front of the host's handler (the last added runs
// first). It sees every request before authentication, so it can count
// requests or serve paths of its own, such as redirects.
func (h *HTTPSHost) Use(middleware func(http.Handler) http.Handler) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.handler = middleware(h.handler)
}

// CreateRepo creates an empty bare repository Dir/repos/<name>.git whose
// HEAD is main. name may contain slashes ("org/app").
func (h *HTTPSHost) CreateRepo(name string) (*HTTPSRepo, error) {
	b, err := createBareRepo(h, name)
	if err != nil {
		return nil, err
	}
	return &HTTPSRepo{Host: h, bareRepo: b}, nil
}

// HTTPSURL is https://127.0.0.1:<port>/<name>.git, the URL to clone with.
func (r *HTTPSRepo) HTTPSURL() string { return r.Host.repoURL(r.Name) }

func (h *HTTPSHost) repoURL(name string) string { return h.URL + "/" + name + ".git" }

// GitEnv is the environment the admin runs real git with: its own token,
// the host's CA, no proxy, no user or system git config, a fixed author
// and committer, and no prompts.
func (h *HTTPSHost) GitEnv() []string { return h.GitEnvForToken(httpsAdminUser, h.adminToken) }

// GitEnvForToken is GitEnv logging in as username with token: git sends
// them as HTTP basic authentication with every request.
func (h *HTTPSHost) GitEnvForToken(username, token string) []string {
	basic := base64.StdEncoding.EncodeToString([]byte(username + ":" + token))
	env := []string{
		"GIT_SSL_CAINFO=" + h.CAFile,
		"GIT_CONFIG_COUNT=1",
		"GIT_CONFIG_KEY_0=http.extraHeader",
		"GIT_CONFIG_VALUE_0=Authorization: Basic " + basic,
	}
	for _, kv := range baseGitEnv() {
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ToLower(name) {
		case "http_proxy", "https_proxy", "all_proxy", "no_proxy":
			continue // the host is on loopback: never through a proxy
		}
		env = append(env, kv)
	}
	return env
}

// The HTTPSHost's side of server.
func (h *HTTPSHost) dir() string                 { return h.Dir }
func (h *HTTPSHost) adminEnv() []string          { return h.GitEnv() }
func (h *HTTPSHost) adminURL(r *bareRepo) string { return h.repoURL(r.Name) }

// LogTail returns the last lines of the host's log (requests, git
// http-backend's errors, TLS handshake failures), for error messages.
func (h *HTTPSHost) LogTail() string {
	data, _ := os.ReadFile(h.logPath)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

// serveHTTP is the server's handler: it logs each request and passes it
// to the chain built by Use.
func (h *HTTPSHost) serveHTTP(w http.ResponseWriter, r *http.Request) {
	h.requests.Add(1)
	defer h.requests.Done()
	h.mu.Lock()
	next := h.handler
	h.mu.Unlock()
	rec := &statusRecorder{ResponseWriter: w}
	next.ServeHTTP(rec, r)
	user, _, _ := r.BasicAuth()
	h.logger.Printf("%s %s user=%q status=%d", r.Method, r.URL.RequestURI(), user, rec.status())
}

// serveGit authenticates the request, checks its token's access to the
// Git service it asks for, and hands it to git http-backend.
//
// Only smart HTTP is served: GET .../info/refs?service=<service> and POST
// .../<service>, for git-upload-pack (read) and git-receive-pack (write).
func (h *HTTPSHost) serveGit(w http.ResponseWriter, r *http.Request) {
	username, access, ok := h.authenticate(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="githost"`)
		// Some hosts' error pages quote the credentials they refused; so
		// does this one, so that tests can check that a client never
		// repeats a token it was given.
		user, token, _ := r.BasicAuth()
		http.Error(w, fmt.Sprintf("HTTP Basic: Access denied for %s:%s", user, token), http.StatusUnauthorized)
		return
	}
	service, ok := smartService(r)
	if !ok {
		http.Error(w, "githost serves the smart HTTP protocol only", http.StatusNotFound)
		return
	}
	if service == serviceReceivePack && access != ReadWrite {
		http.Error(w, "Write access to this repository is not allowed for this token.", http.StatusForbidden)
		return
	}
	if r.ContentLength < 0 {
		// net/http/cgi refuses chunked bodies (git sends large pushes
		// chunked, and HTTP/2 bodies may come without a length): spool
		// the body so that http-backend gets a CONTENT_LENGTH.
		spooled, err := h.spoolBody(r)
		if errors.Is(err, errBodyTooLarge) {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		if err != nil {
			http.Error(w, "githost: reading the request: "+err.Error(), http.StatusBadRequest)
			return
		}
		defer spooled.Close()
	}
	backend := h.backend // copy: REMOTE_USER is per request
	// http-backend only enables receive-pack for an authenticated user.
	backend.Env = append(slices.Clip(backend.Env), "REMOTE_USER="+username)
	backend.ServeHTTP(w, r)
}

// authenticate finds the token of the request's basic authentication.
func (h *HTTPSHost) authenticate(r *http.Request) (string, Access, bool) {
	user, token, ok := r.BasicAuth()
	if !ok || token == "" {
		return "", 0, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var found *httpsToken
	for i := range h.tokens {
		// Constant-time, and every token compared, so that timing does
		// not tell how much of a token was right.
		t := &h.tokens[i]
		tokenOK := subtle.ConstantTimeCompare([]byte(t.token), []byte(token))
		userOK := subtle.ConstantTimeCompare([]byte(t.username), []byte(user))
		if tokenOK&userOK == 1 {
			found = t
		}
	}
	if found == nil {
		return "", 0, false
	}
	return found.username, found.access, true
}

// smartService names the Git service of a smart HTTP request; ok is false
// for anything else (the dumb protocol, other paths).
func smartService(r *http.Request) (string, bool) {
	p := r.URL.Path
	for _, service := range []string{serviceUploadPack, serviceReceivePack} {
		switch r.Method {
		case http.MethodGet:
			if strings.HasSuffix(p, "/info/refs") && r.URL.Query().Get("service") == service {
				return service, true
			}
		case http.MethodPost:
			if strings.HasSuffix(p, "/"+service) && len(p) > len(service)+1 {
				return service, true
			}
		}
	}
	return "", false
}

// spoolBody copies a body of unknown length to a temporary file under
// Dir/work and makes it the request's body, with its length; the returned
// file is to be closed (and is removed already).
func (h *HTTPSHost) spoolBody(r *http.Request) (*os.File, error) {
	f, err := os.CreateTemp(filepath.Join(h.Dir, "work"), "body-")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name()) // the open file stays readable
	n, err := io.Copy(f, io.LimitReader(r.Body, maxSpooledBody+1))
	if err == nil && n > maxSpooledBody {
		err = errBodyTooLarge
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	r.Body, r.ContentLength, r.TransferEncoding = f, n, nil
	r.Header.Del("Transfer-Encoding")
	return f, nil
}

// statusRecorder remembers the status code a handler sent, for the log.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Flush lets git http-backend's streamed responses through.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) status() int {
	if s.code == 0 {
		return http.StatusOK
	}
	return s.code
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
