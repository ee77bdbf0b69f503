// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Command divio-control-plane runs the reference control plane: the API
// the Terraform provider talks to, stored in one SQLite file.
//
//	divio-control-plane serve --dev --db ./.tmp/cp.db --listen 127.0.0.1:8765 --bootstrap seed.json
//	divio-control-plane bootstrap --db ./.tmp/cp.db seed.json
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane"
	"github.com/divio-community/terraform-provider-divio/internal/sealbox"
)

const usage = `usage:
  divio-control-plane serve --db FILE [--listen ADDR] [--encryption-key-file FILE] [--bootstrap SEED] [--ready-file FILE]
                            [--data-dir DIR] [--check-workers N] [--sync-workers N] [--dev] [--public-only]
                            [--strict] [--strict-throttle RATE] [--strict-stale-read D] [--strict-page-size N]
                            [--fault-429 RATE] [--fault-503 RATE] [--fault-drop RATE] [--fault-slow RATE] [--fault-slow-delay D]
  divio-control-plane bootstrap --db FILE SEED
  divio-control-plane revoke-token --db FILE     (reads the token from stdin)
  divio-control-plane remove-user --db FILE EMAIL

--public-only serves only what Divio's public API is known to serve. --strict is --public-only that also
answers only the fields Divio's CLI reads, in pages of --strict-page-size (default 2), answers GETs of a
repository as it was before a check call for --strict-stale-read (default 3s), answers a share
--strict-throttle (default 0.1) of requests 429 with Retry-After: 1 before they run, and answers 400 (with
the last failure) a check call that restarts the check of an INVALID repository, which starts all the same.
0 turns --strict-throttle or --strict-stale-read off.

Run "divio-control-plane serve -h" or "divio-control-plane bootstrap -h" for the flags.
`

// shutdownTimeout is how long in-flight requests may take after a signal.
const shutdownTimeout = 10 * time.Second

// usageError is a mistake in the command line: exit status 2, with usage.
type usageError struct{ message string }

func (e usageError) Error() string { return e.message }

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	var err error
	command := ""
	if len(args) > 0 {
		command, args = args[0], args[1:]
	}
	switch command {
	case "serve":
		err = serve(args, logger, stderr)
	case "bootstrap":
		err = bootstrap(args, stdout, stderr)
	case "revoke-token":
		err = revokeToken(args, stdin, stdout, stderr)
	case "remove-user":
		err = removeUser(args, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "":
		err = usageError{"missing command"}
	default:
		err = usageError{fmt.Sprintf("unknown command %q", command)}
	}
	var usageErr usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usageErr):
		fmt.Fprintf(stderr, "divio-control-plane: %v\n%s", err, usage)
		return 2
	default:
		logger.Error("divio-control-plane failed", "error", err)
		return 1
	}
}

// parseArgs parses flags that may come before, between or after the
// positional arguments, and returns the positional ones.
func parseArgs(flags *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := flags.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		if flags.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, flags.Arg(0))
		args = flags.Args()[1:]
	}
}

// serveOptions are serve's flags.
type serveOptions struct {
	listen, dbPath, keyFile, seedFile, readyFile, dataDir string
	dev, publicOnly                                       bool
	checkWorkers, syncWorkers                             int
	faults                                                *controlplane.Faults
	strict                                                strictOptions
}

// strictOptions are the --strict flags.
type strictOptions struct {
	on        bool
	throttle  float64
	staleRead time.Duration
	pageSize  int
}

// strictFlags are the flags of strict mode.
func strictFlags(flags *flag.FlagSet, o *strictOptions) {
	flags.BoolVar(&o.on, "strict", false,
		"--public-only, answering only the fields Divio's CLI reads, with short pages, stale repository reads after a check, "+
			"a throttled share of requests, and a 400 from a check that restarts an INVALID repository's check")
	flags.Float64Var(&o.throttle, "strict-throttle", 0.1, "with --strict: share of API requests answered 429 with Retry-After: 1, not run (0..1; 0: none)")
	flags.DurationVar(&o.staleRead, "strict-stale-read", 3*time.Second,
		"with --strict: how long GETs of a repository answer it as it was before a check call (0: not at all)")
	flags.IntVar(&o.pageSize, "strict-page-size", 2, "with --strict: the most items a page of a list holds, whatever page_size asks")
}

// validate checks the strict flags' values.
func (o strictOptions) validate() error {
	switch {
	case o.throttle < 0 || o.throttle > 1:
		return usageError{fmt.Sprintf("--strict-throttle must be between 0 and 1, got %v", o.throttle)}
	case o.staleRead < 0:
		return usageError{fmt.Sprintf("--strict-stale-read must not be negative, got %v", o.staleRead)}
	case o.pageSize < 1:
		return usageError{fmt.Sprintf("--strict-page-size must be at least 1, got %d", o.pageSize)}
	}
	return nil
}

// configure sets the strict-mode fields of cfg; a flag's 0 ("none") is a
// negative value there (where 0 is the default).
func (o strictOptions) configure(cfg *controlplane.Config) {
	cfg.Strict, cfg.StrictPageSize = o.on, o.pageSize
	cfg.StrictThrottle, cfg.StrictStaleRead = o.throttle, o.staleRead
	if o.throttle == 0 {
		cfg.StrictThrottle = -1
	}
	if o.staleRead == 0 {
		cfg.StrictStaleRead = -1
	}
}

func serve(args []string, logger *slog.Logger, stderr io.Writer) error {
	opts, err := parseServeFlags(args, stderr)
	if err != nil {
		return err
	}
	if opts.readyFile != "" {
		// A ready file left by an earlier run must not be taken for this one's.
		if err := os.Remove(opts.readyFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		defer os.Remove(opts.readyFile)
	}
	if err := os.MkdirAll(filepath.Dir(opts.dbPath), 0o700); err != nil {
		return err
	}
	key, err := loadEncryptionKey(opts.keyFile, opts.dbPath, opts.dev, logger)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := controlplane.Config{
		DBPath: opts.dbPath, EncryptionKey: key, Dev: opts.dev, PublicOnly: opts.publicOnly, Logger: logger,
		CheckWorkers: opts.checkWorkers, SyncWorkers: opts.syncWorkers, DataDir: opts.dataDir, Faults: opts.faults,
	}
	opts.strict.configure(&cfg)
	server, err := controlplane.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		// Running checks and syncs are cancelled; their repositories
		// stay in CLONING, or owe a sync, and are checked or synced again
		// at the next start.
		if err := server.Close(); err != nil {
			logger.Error("closing the control plane", "error", err)
		}
	}()
	if opts.seedFile != "" {
		seed, err := controlplane.LoadSeedFile(opts.seedFile)
		if err != nil {
			return err
		}
		if _, err := server.Bootstrap(ctx, seed); err != nil {
			return err
		}
	}
	return listenAndServe(ctx, stop, server.HTTPServer(), opts, logger)
}

// faultFlags are the fault-injection flags (resilience tests, demos).
func faultFlags(flags *flag.FlagSet, f *controlplane.Faults) {
	flags.Float64Var(&f.TooManyRequests, "fault-429", 0, "share of API requests answered 429 with Retry-After, not run (0..1)")
	flags.Float64Var(&f.Unavailable, "fault-503", 0, "share of API requests answered 503 with Retry-After, not run (0..1)")
	flags.Float64Var(&f.Dropped, "fault-drop", 0, "share of API requests run whose answer is dropped (connection closed) (0..1)")
	flags.Float64Var(&f.Slow, "fault-slow", 0, "share of API requests delayed by --fault-slow-delay (0..1)")
	flags.DurationVar(&f.SlowDelay, "fault-slow-delay", 2*time.Second, "delay of the slow requests")
	flags.IntVar(&f.RetryAfter, "fault-retry-after", 1, "seconds in the Retry-After of injected 429 and 503 answers")
}

// parseServeFlags reads serve's command line.
func parseServeFlags(args []string, stderr io.Writer) (serveOptions, error) {
	var opts serveOptions
	flags := flag.NewFlagSet("serve", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.StringVar(&opts.listen, "listen", "127.0.0.1:8765", "address to listen on; port 0 picks a free port")
	flags.StringVar(&opts.dbPath, "db", "", "SQLite database file, created if absent (required)")
	flags.StringVar(&opts.keyFile, "encryption-key-file", "",
		"file holding the base64 of 32 random bytes that encrypt secrets at rest (required without --dev; with --dev it defaults to <db>.key, created if absent)")
	flags.StringVar(&opts.seedFile, "bootstrap", "", "seed file to apply at start")
	flags.StringVar(&opts.readyFile, "ready-file", "", "file to write the base URL to once the server listens")
	flags.BoolVar(&opts.dev, "dev", false, "development mode: plain HTTP on loopback, Git remotes on loopback allowed")
	flags.BoolVar(&opts.publicOnly, "public-only", false,
		"serve only Divio's public API, as api.divio.com does: extension routes and /extensions/v1/ answer 404, "+
			"extension fields are left out, Idempotency-Key is ignored")
	flags.IntVar(&opts.checkWorkers, "check-workers", 4, "how many repository access checks run at once")
	flags.IntVar(&opts.syncWorkers, "sync-workers", 8, "how many syncs of (different) repositories run at once")
	flags.StringVar(&opts.dataDir, "data-dir", "", "directory for the platform's copies of repositories (mirrors/); default: the database's directory")
	opts.faults = &controlplane.Faults{}
	faultFlags(flags, opts.faults)
	strictFlags(flags, &opts.strict)
	positional, err := parseArgs(flags, args)
	switch {
	case err != nil:
		return opts, err
	case opts.strict.validate() != nil:
		return opts, opts.strict.validate()
	case len(positional) > 0:
		return opts, usageError{fmt.Sprintf("serve takes no arguments, got %q", positional)}
	case opts.checkWorkers < 1:
		return opts, usageError{fmt.Sprintf("--check-workers must be at least 1, got %d", opts.checkWorkers)}
	case opts.syncWorkers < 1:
		return opts, usageError{fmt.Sprintf("--sync-workers must be at least 1, got %d", opts.syncWorkers)}
	case opts.dbPath == "":
		return opts, usageError{"serve needs --db"}
	}
	return opts, nil
}

// listenAndServe serves with httpServer (the control plane's, with its
// timeouts) until ctx is done (a signal), then shuts down, letting
// in-flight requests finish for a bounded time. stop makes a second signal
// end the process at once.
func listenAndServe(ctx context.Context, stop context.CancelFunc, httpServer *http.Server, opts serveOptions, logger *slog.Logger) error {
	listener, err := net.Listen("tcp", opts.listen)
	if err != nil {
		return err
	}
	addr, ok := listener.Addr().(*net.TCPAddr)
	if !ok {
		listener.Close()
		return fmt.Errorf("listening on %s: not a TCP address", listener.Addr())
	}
	baseURL := "http://" + reachableAddress(addr)
	served := make(chan error, 1)
	go func() { served <- httpServer.Serve(controlplane.JSONErrorsListener(listener)) }()
	logger.Info("control plane listening", "url", baseURL, "db", opts.dbPath, "dev", opts.dev, "public_only", opts.publicOnly || opts.strict.on, "strict", opts.strict.on)
	if opts.readyFile != "" {
		if err := writeFileAtomically(opts.readyFile, []byte(baseURL)); err != nil {
			httpServer.Close()
			return fmt.Errorf("write ready file: %w", err)
		}
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stop() // a second signal now ends the process at once
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// loadEncryptionKey reads the key file; in dev mode without one it uses,
// and if need be creates, <db>.key.
func loadEncryptionKey(keyFile, dbPath string, dev bool, logger *slog.Logger) ([]byte, error) {
	if keyFile != "" {
		return sealbox.LoadKeyFile(keyFile)
	}
	if !dev {
		return nil, usageError{"serve needs --encryption-key-file (only --dev creates one)"}
	}
	keyFile = dbPath + ".key"
	key, err := sealbox.LoadKeyFile(keyFile)
	if errors.Is(err, fs.ErrNotExist) {
		logger.Info("creating encryption key file", "path", keyFile)
		return sealbox.CreateKeyFile(keyFile)
	}
	return key, err
}

// reachableAddress is the listener's address as a client can dial it: a
// wildcard address (0.0.0.0, ::) is answered on loopback too.
func reachableAddress(addr *net.TCPAddr) string {
	ip := addr.IP
	if ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(addr.Port))
}

// writeFileAtomically writes a temporary file beside path and renames it,
// so that a reader sees either no file or the whole content.
func writeFileAtomically(path string, content []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, writeErr := tmp.Write(content)
	if err := errors.Join(writeErr, tmp.Chmod(0o644), tmp.Close()); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

func bootstrap(args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("bootstrap", flag.ContinueOnError)
	flags.SetOutput(stderr)
	dbPath := flags.String("db", "", "SQLite database file, created if absent (required)")
	positional, err := parseArgs(flags, args)
	if err != nil {
		return err
	}
	if *dbPath == "" || len(positional) != 1 {
		return usageError{"bootstrap needs --db and one seed file"}
	}
	seed, err := controlplane.LoadSeedFile(positional[0])
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*dbPath), 0o700); err != nil {
		return err
	}
	result, err := controlplane.BootstrapDB(context.Background(), *dbPath, seed)
	if err != nil {
		return err
	}
	// The UUIDs on stdout let scripts use the seeded objects.
	encoder := json.NewEncoder(stdout)
	encoder.SetIndent("", "  ")
	return encoder.Encode(result)
}

// revokeToken revokes the API token read from stdin (so that it shows in
// no process list or shell history), effective at once.
func revokeToken(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	dbPath, positional, err := dbFlag("revoke-token", args, stderr)
	if err != nil {
		return err
	}
	if len(positional) != 0 {
		return usageError{"revoke-token reads the token from stdin, not from its arguments"}
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	token := strings.TrimSpace(line)
	if token == "" {
		return usageError{fmt.Sprintf("revoke-token: no token on stdin (%v)", err)}
	}
	if err := controlplane.RevokeToken(context.Background(), dbPath, token); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "token revoked")
	return nil
}

// removeUser removes a user by email, with their tokens, effective at once.
func removeUser(args []string, stdout, stderr io.Writer) error {
	dbPath, positional, err := dbFlag("remove-user", args, stderr)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		return usageError{"remove-user needs one email"}
	}
	if err := controlplane.RemoveUser(context.Background(), dbPath, positional[0]); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "user removed:", positional[0])
	return nil
}

// dbFlag parses a command's --db flag and returns it with the arguments.
func dbFlag(command string, args []string, stderr io.Writer) (string, []string, error) {
	flags := flag.NewFlagSet(command, flag.ContinueOnError)
	flags.SetOutput(stderr)
	dbPath := flags.String("db", "", "SQLite database file of the control plane (required)")
	positional, err := parseArgs(flags, args)
	if err == nil && *dbPath == "" {
		err = usageError{command + " needs --db"}
	}
	return *dbPath, positional, err
}
