// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package githost

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// ErrBranchNotFound is returned by Head for a branch that does not exist.
var ErrBranchNotFound = errors.New("githost: branch not found")

// The identity of everything the admin commits.
const (
	adminName  = "githost admin"
	adminEmail = "admin@githost.invalid"
)

// server is what a repository needs from the host serving it: the host's
// private directory (repos/ and work/ are in it) and how its admin reaches
// the repository with the real git CLI. Host (SSH) and HTTPSHost implement
// it, so the helpers of bareRepo exist once for both.
type server interface {
	dir() string
	adminEnv() []string          // environment of the admin's git commands
	adminURL(r *bareRepo) string // URL the admin fetches from and pushes to
}

// bareRepo is the part of a repository common to both hosts: where it is,
// and the admin's helpers (Commit, ForcePush, DeleteBranch,
// GenerateHistory, Head), which work through the host's own transport.
type bareRepo struct {
	Name string // as given to CreateRepo, without ".git"
	Path string // absolute path of the bare repository: Dir/repos/<name>.git

	srv server
}

// Repo is a bare repository served by a Host over SSH. Name is the name
// given to CreateRepo (without ".git"), Path the bare repository's absolute
// path (Dir/repos/<name>.git). Its helpers (Commit, ForcePush,
// DeleteBranch, GenerateHistory, Head) work as the admin, over SSH.
type Repo struct {
	Host *Host
	bareRepo
}

// CreateRepo creates an empty bare repository Dir/repos/<name>.git whose
// HEAD is main. name may contain slashes ("org/app").
func (h *Host) CreateRepo(name string) (*Repo, error) {
	b, err := createBareRepo(h, name)
	if err != nil {
		return nil, err
	}
	return &Repo{Host: h, bareRepo: b}, nil
}

// createBareRepo creates the bare repository <srv.dir()>/repos/<name>.git.
func createBareRepo(srv server, name string) (bareRepo, error) {
	if err := checkRepoName(name); err != nil {
		return bareRepo{}, err
	}
	p := filepath.Join(srv.dir(), "repos", filepath.FromSlash(name)+".git")
	if _, err := os.Stat(p); err == nil {
		return bareRepo{}, fmt.Errorf("githost: repository %q already exists", name)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return bareRepo{}, fmt.Errorf("githost: %w", err)
	}
	ctx := context.Background()
	env := srv.adminEnv()
	if _, err := runGitIn(ctx, "", env, "init", "--quiet", "--bare", "-b", "main", p); err != nil {
		return bareRepo{}, err
	}
	// Let DeleteBranch remove the default branch too, to play a host whose
	// default branch is gone; receive-pack refuses that by default.
	if _, err := runGitIn(ctx, "", env, "--git-dir="+p, "config", "receive.denyDeleteCurrent", "ignore"); err != nil {
		return bareRepo{}, err
	}
	return bareRepo{Name: name, Path: p, srv: srv}, nil
}

func checkRepoName(name string) error {
	if name == "" || !filepath.IsLocal(name) || path.Clean(name) != name || strings.HasSuffix(name, ".git") {
		return fmt.Errorf("githost: bad repository name %q", name)
	}
	return checkSafePath(name)
}

// SSHURL is ssh://<user>@127.0.0.1:<port><path>, the URL to clone with.
func (r *Repo) SSHURL() string { return r.Host.sshURL(r.Path) }

func (h *Host) sshURL(repoPath string) string {
	return fmt.Sprintf("ssh://%s@127.0.0.1:%d%s", h.User, h.Port, filepath.ToSlash(repoPath))
}

// SCPURL is the scp-like form <user>@127.0.0.1:<path>. It cannot carry a
// port, so plain ssh would try port 22: it only works where the port is
// given some other way, e.g. with GitEnv (whose GIT_SSH_COMMAND has -p), or
// for validation tests that never connect.
func (r *Repo) SCPURL() string {
	return fmt.Sprintf("%s@127.0.0.1:%s", r.Host.User, filepath.ToSlash(r.Path))
}

// GitEnv is the environment the admin runs real git with: its own key over
// ssh to this host (host key not checked), no user or system git config, a
// fixed author and committer, and no prompts.
func (h *Host) GitEnv() []string { return h.GitEnvForKey(h.adminKeyPath) }

// GitEnvForKey is GitEnv for another private key file, e.g. a deploy key.
func (h *Host) GitEnvForKey(privateKeyPath string) []string {
	return append([]string{"GIT_SSH_COMMAND=" + h.SSHCommand(privateKeyPath)}, baseGitEnv()...)
}

// baseGitEnv is the environment of every git command githost runs: no
// user or system git config, a fixed author and committer, no prompts, and
// none of the inherited GIT_* variables (GIT_DIR, GIT_INDEX_FILE, ... when
// run from a hook) that would point git somewhere else.
func baseGitEnv() []string {
	env := []string{
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=" + adminName,
		"GIT_AUTHOR_EMAIL=" + adminEmail,
		"GIT_COMMITTER_NAME=" + adminName,
		"GIT_COMMITTER_EMAIL=" + adminEmail,
	}
	if os.Getenv("GLIBC_TUNABLES") == "" {
		env = append(env, mallocTunables)
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") {
			env = append(env, kv)
		}
	}
	return env
}

// The Host's side of server.
func (h *Host) dir() string                 { return h.Dir }
func (h *Host) adminEnv() []string          { return h.GitEnv() }
func (h *Host) adminURL(r *bareRepo) string { return h.sshURL(r.Path) }

// SSHCommand is an ssh command line (for GIT_SSH_COMMAND) that logs into
// this host with privateKeyPath and nothing else: no ~/.ssh/config, no
// agent, no known_hosts, no prompts.
func (h *Host) SSHCommand(privateKeyPath string) string {
	return fmt.Sprintf("ssh -F /dev/null -i %s -p %d -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"+
		" -o IdentitiesOnly=yes -o BatchMode=yes -o LogLevel=ERROR -o ConnectTimeout=10", shellQuote(privateKeyPath), h.Port)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// Commit writes files (slash-separated path -> content) on top of branch,
// creating the branch if it does not exist, and pushes the commit with the
// real git CLI as the admin, over the host's transport (SSH or HTTPS). It
// returns the new commit's SHA. Every call makes a commit, even if the files
// are unchanged.
func (r *bareRepo) Commit(ctx context.Context, branch string, files map[string]string, message string) (string, error) {
	exists, err := r.branchExists(ctx, branch)
	if err != nil {
		return "", err
	}
	return r.commitAndPush(ctx, branch, files, message, exists, false)
}

// ForcePush replaces branch's history with a single new root commit holding
// only files, force-pushed as the admin. It returns the new commit's SHA.
func (r *bareRepo) ForcePush(ctx context.Context, branch string, files map[string]string, message string) (string, error) {
	if err := checkBranch(ctx, branch); err != nil {
		return "", err
	}
	return r.commitAndPush(ctx, branch, files, message, false, true)
}

// commitAndPush does the work of Commit and ForcePush in a scratch
// repository under Dir/work, removed afterwards.
func (r *bareRepo) commitAndPush(ctx context.Context, branch string, files map[string]string, message string, onTop, force bool) (string, error) {
	for name := range files {
		if err := checkFilePath(name); err != nil {
			return "", err
		}
	}
	work, err := os.MkdirTemp(filepath.Join(r.srv.dir(), "work"), "commit-")
	if err != nil {
		return "", fmt.Errorf("githost: %w", err)
	}
	defer os.RemoveAll(work)
	env, url := r.srv.adminEnv(), r.srv.adminURL(r)
	git := func(args ...string) (string, error) { return runGitIn(ctx, work, env, args...) }

	if _, err := git("init", "--quiet", "-b", branch); err != nil {
		return "", err
	}
	if onTop {
		// Only the tip is needed to commit on top of it; the server has the rest.
		if _, err := git("fetch", "--quiet", "--depth=1", url, "refs/heads/"+branch); err != nil {
			return "", err
		}
		if _, err := git("checkout", "--quiet", "-B", branch, "FETCH_HEAD"); err != nil {
			return "", err
		}
	}
	for name, content := range files {
		p := filepath.Join(work, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return "", fmt.Errorf("githost: %w", err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return "", fmt.Errorf("githost: %w", err)
		}
	}
	if _, err := git("add", "--all", "."); err != nil {
		return "", err
	}
	if _, err := git("commit", "--quiet", "--allow-empty", "--allow-empty-message", "--no-verify", "-m", message); err != nil {
		return "", err
	}
	sha, err := git("rev-parse", "HEAD")
	if err != nil {
		return "", err
	}
	refspec := "HEAD:refs/heads/" + branch
	if force {
		refspec = "+" + refspec
	}
	if _, err := git("push", "--quiet", url, refspec); err != nil {
		return "", err
	}
	return sha, nil
}

// DeleteBranch deletes branch on the host by pushing its deletion as the
// admin. Deleting a branch that does not exist returns ErrBranchNotFound.
func (r *bareRepo) DeleteBranch(ctx context.Context, branch string) error {
	// Checked here because git push of a deletion succeeds (with a
	// warning) when the remote branch does not exist.
	if _, err := r.Head(ctx, branch); err != nil {
		return err
	}
	work, err := os.MkdirTemp(filepath.Join(r.srv.dir(), "work"), "delete-")
	if err != nil {
		return fmt.Errorf("githost: %w", err)
	}
	defer os.RemoveAll(work)
	env := r.srv.adminEnv()
	if _, err := runGitIn(ctx, work, env, "init", "--quiet"); err != nil {
		return err
	}
	_, err = runGitIn(ctx, work, env, "push", "--quiet", r.srv.adminURL(r), ":refs/heads/"+branch)
	return err
}

// GenerateHistory appends commits commits to branch (creating it if absent)
// by streaming them into `git fast-import` in the bare repository: 10,000
// commits take a second or so, where pushing them one by one would take
// minutes. Commit i rewrites history.txt, so every commit has its own blob
// and tree. It returns the new tip's SHA.
func (r *bareRepo) GenerateHistory(ctx context.Context, branch string, commits int) (string, error) {
	if commits < 1 {
		return "", fmt.Errorf("githost: GenerateHistory needs at least one commit, got %d", commits)
	}
	exists, err := r.branchExists(ctx, branch)
	if err != nil {
		return "", err
	}
	// Writes to a bytes.Buffer cannot fail.
	var stream bytes.Buffer
	w := &stream
	data := func(s string) { fmt.Fprintf(w, "data %d\n%s\n", len(s), s) }
	start := time.Now().Unix() - int64(commits) // one second apart, ending now
	for i := 1; i <= commits; i++ {
		fmt.Fprintf(w, "commit refs/heads/%s\n", branch)
		fmt.Fprintf(w, "author %s <%s> %d +0000\n", adminName, adminEmail, start+int64(i))
		fmt.Fprintf(w, "committer %s <%s> %d +0000\n", adminName, adminEmail, start+int64(i))
		data(fmt.Sprintf("Generated commit %d of %d", i, commits))
		if i == 1 && exists {
			// fast-import's way to continue from the branch's current tip.
			fmt.Fprintf(w, "from refs/heads/%s^0\n", branch)
		}
		w.WriteString("M 100644 inline history.txt\n")
		data(fmt.Sprintf("generated commit %d\n", i))
	}
	w.WriteString("done\n")

	cmd := gitCommand(ctx, "", r.srv.adminEnv(), "--git-dir="+r.Path, "fast-import", "--quiet", "--done")
	cmd.Stdin = &stream
	if _, err := runGit(cmd); err != nil {
		return "", err
	}
	return r.Head(ctx, branch)
}

// Head is the SHA of branch's tip, read from the bare repository. It
// returns ErrBranchNotFound if there is no such branch.
func (r *bareRepo) Head(ctx context.Context, branch string) (string, error) {
	if err := checkBranch(ctx, branch); err != nil {
		return "", err
	}
	cmd := gitCommand(ctx, "", r.srv.adminEnv(), "--git-dir="+r.Path, "rev-parse", "--verify", "--quiet", "refs/heads/"+branch+"^{commit}")
	out, err := runGit(cmd)
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 {
		return "", fmt.Errorf("%w: %q in %s", ErrBranchNotFound, branch, r.Name)
	}
	return out, err
}

func (r *bareRepo) branchExists(ctx context.Context, branch string) (bool, error) {
	_, err := r.Head(ctx, branch)
	if errors.Is(err, ErrBranchNotFound) {
		return false, nil
	}
	return err == nil, err
}

func checkBranch(ctx context.Context, branch string) error {
	if branch == "" || strings.HasPrefix(branch, "-") {
		return fmt.Errorf("githost: bad branch name %q", branch)
	}
	if _, err := runGitIn(ctx, "", baseGitEnv(), "check-ref-format", "refs/heads/"+branch); err != nil {
		return fmt.Errorf("githost: bad branch name %q", branch)
	}
	return nil
}

// checkFilePath accepts relative, slash-separated paths inside the work tree.
func checkFilePath(name string) error {
	if name == "" || !filepath.IsLocal(filepath.FromSlash(name)) || strings.Contains(name, `\`) {
		return fmt.Errorf("githost: bad file path %q", name)
	}
	for _, part := range strings.Split(name, "/") {
		if strings.EqualFold(part, ".git") {
			return fmt.Errorf("githost: bad file path %q", name)
		}
	}
	return nil
}

// git runs git in dir (or the current directory) with env (or GitEnv) and
// returns its trimmed standard output.
func (h *Host) git(ctx context.Context, dir string, env []string, args ...string) (string, error) {
	if env == nil {
		env = h.GitEnv()
	}
	return runGitIn(ctx, dir, env, args...)
}

// runGitIn runs git in dir (or the current directory) with env and returns
// its trimmed standard output.
func runGitIn(ctx context.Context, dir string, env []string, args ...string) (string, error) {
	return runGit(gitCommand(ctx, dir, env, args...))
}

func gitCommand(ctx context.Context, dir string, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir, cmd.Env = dir, env
	cmd.WaitDelay = 5 * time.Second // don't hang on an ssh child holding the pipes
	return cmd
}

// runGit runs cmd and wraps a failure with the command line and its stderr.
// The returned error wraps the *exec.ExitError.
func runGit(cmd *exec.Cmd) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("githost: %s: %w: %s", strings.Join(cmd.Args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}
