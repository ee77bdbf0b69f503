// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/action/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/validators"
)

var (
	_ action.ActionWithConfigure  = (*repositorySyncAction)(nil)
	_ action.ActionWithModifyPlan = (*repositorySyncAction)(nil)
)

// repositorySyncAction is the Control Panel's Update and Reset to origin
// buttons as Terraform actions (Terraform 1.14+); the two differ only in the
// API call and wording.
type repositorySyncAction struct {
	client      *divioapi.Client
	typeName    string
	description string
	run         func(c *divioapi.Client, ctx context.Context, application string) (*divioapi.SyncStatus, error)
	failure     string
	extension   string // what the server must offer
	instead     string // the Control Panel's way, where it does not
}

func NewRepositoryUpdateAction() action.Action {
	return &repositorySyncAction{
		typeName: "_repository_update",
		description: "Pulls what is new on the tracked branch of an application's external repository (the " +
			"Control Panel's **Update** button, for applications without a webhook). Fails when the remote's history " +
			"was rewritten (e.g. force-pushed): use `divio_repository_reset_to_origin` then. Terraform 1.14 and " +
			"later; OpenTofu cannot run actions yet. **Extension** `repository_update`: refused at plan time without " +
			"it (press Update in the Control Panel instead).",
		run:       (*divioapi.Client).PullUpdate,
		failure:   "Could not update from the external repository",
		extension: divioapi.ExtRepositoryUpdate,
		instead:   "Press Update in the application's Repository view in the Control Panel instead.",
	}
}

func NewRepositoryResetToOriginAction() action.Action {
	return &repositorySyncAction{
		typeName: "_repository_reset_to_origin",
		description: "Makes the platform's copy of an application's branch match the external repository " +
			"exactly (the Control Panel's **Reset to origin**), e.g. after force-pushes; records when history was " +
			"rewritten. Terraform 1.14 and later; OpenTofu cannot run actions yet. **Extension** `reset_to_origin`: " +
			"refused at plan time without it (press Reset to origin in the Control Panel instead).",
		run:       (*divioapi.Client).ResetToOrigin,
		failure:   "Could not reset to origin",
		extension: divioapi.ExtResetToOrigin,
		instead:   "Press Reset to origin in the application's Repository view in the Control Panel instead.",
	}
}

// repositorySyncActionModel is the actions' configuration.
type repositorySyncActionModel struct {
	Application types.String   `tfsdk:"application"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

// defaultSyncTimeout bounds an action's call unless timeouts.invoke says
// otherwise: the retry budget the API client always gave it (a busy API is
// retried for 5 minutes).
const defaultSyncTimeout = 5 * time.Minute

func (a *repositorySyncAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + a.typeName
}

func (a *repositorySyncAction) Schema(ctx context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: a.description,
		Attributes: map[string]schema.Attribute{
			"application": schema.StringAttribute{
				MarkdownDescription: "UUID of the application whose external repository to act on, e.g. `divio_application.web.id`. Required; a malformed UUID is refused at plan time. Needs the action's extension.",
				Required:            true,
				Validators:          []validator.String{validators.UUID()},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.BlockWithOpts(ctx, timeouts.Opts{
				InvokeDescription: "How long the action may take, a duration such as `10m` (the pull and the " +
					"retries of a busy API included). Default `5m`. When it ends first, the action fails (`" +
					"Action did not finish`): run it again; what the server was doing may still complete, which the " +
					"sync status (`data.divio_repository_sync_status`) shows.",
			}),
		},
	}
}

func (a *repositorySyncAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan refuses the action at plan time where the server lacks it.
func (a *repositorySyncAction) ModifyPlan(ctx context.Context, _ action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	requireExtension(ctx, a.client, &resp.Diagnostics, nil, a.extension, "divio"+a.typeName, a.instead)
}

func (a *repositorySyncAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var config repositorySyncActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := config.Timeouts.Invoke(ctx, defaultSyncTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	callCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	status, err := a.run(a.client, callCtx, config.Application.ValueString())
	if errors.Is(err, context.DeadlineExceeded) && callCtx.Err() != nil {
		diagnostics.ActionTimedOut(&resp.Diagnostics, "divio"+a.typeName, timeout.String(), err)
		return
	}
	if err != nil {
		diagnostics.AddAPIError(&resp.Diagnostics, a.failure, err, nil)
		return
	}
	resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf("platform head %s, origin head %s, in sync: %v",
		deref(status.PlatformHead), deref(status.OriginHead), status.InSync)})
}

func deref(s *string) string {
	if s == nil {
		return "(none)"
	}
	return *s
}
