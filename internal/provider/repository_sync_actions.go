package provider

import (
	"context"
	"fmt"

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
	Application types.String `tfsdk:"application"`
}

func (a *repositorySyncAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + a.typeName
}

func (a *repositorySyncAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: a.description,
		Attributes: map[string]schema.Attribute{
			"application": schema.StringAttribute{
				MarkdownDescription: "UUID of the application whose external repository to act on, e.g. `divio_application.web.id`. Required; a malformed UUID is refused at plan time. Needs the action's extension.",
				Required:            true,
				Validators:          []validator.String{validators.UUID()},
			},
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
	status, err := a.run(a.client, ctx, config.Application.ValueString())
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
