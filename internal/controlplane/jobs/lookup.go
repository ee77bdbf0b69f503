// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package jobs

import (
	"context"
	"log/slog"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

// LookUpBranch asks the repository's remote whether it has branch, with
// the repository's credentials and pinned host key. err is set only when
// the credentials cannot be read (gitops.CodeCredentialsUnavailable);
// otherwise result says why the remote could not be asked, if it could not.
func (r *Runner) LookUpBranch(ctx context.Context, repo store.Repository, branch string) (exists bool, result gitops.CheckResult, err error) {
	auth, err := r.credentials(ctx, repo)
	if err != nil {
		return false, gitops.CheckResult{Code: gitops.CodeCredentialsUnavailable, Message: msgCredentialsUnavailable}, err
	}
	exists, result = r.syncer.RemoteBranchExists(ctx, repo.DSN, branch, auth, repo.HostKey)
	r.logger.LogAttrs(ctx, slog.LevelInfo, "remote branch lookup", slog.String("repository", repo.UUID),
		slog.Bool("exists", exists), slog.String("code", result.Code))
	return exists, result, nil
}
