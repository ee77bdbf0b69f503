// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/validators"
)

var _ datasource.DataSourceWithConfigure = (*RepositorySyncStatusDataSource)(nil)

func NewRepositorySyncStatusDataSource() datasource.DataSource {
	return &RepositorySyncStatusDataSource{}
}

// RepositorySyncStatusDataSource reports how the platform's copy of an
// application's repository compares with the remote, in one API request.
type RepositorySyncStatusDataSource struct {
	client *divioapi.Client
}

// RepositorySyncStatusModel is the data source's configuration and result.
type RepositorySyncStatusModel struct {
	Application        types.String `tfsdk:"application"`
	RepositoryID       types.String `tfsdk:"repository_id"`
	State              types.String `tfsdk:"state"`
	Branch             types.String `tfsdk:"branch"`
	OriginHead         types.String `tfsdk:"origin_head"`
	PlatformHead       types.String `tfsdk:"platform_head"`
	InSync             types.Bool   `tfsdk:"in_sync"`
	LastSyncAt         types.String `tfsdk:"last_sync_at"`
	LastSyncResult     types.String `tfsdk:"last_sync_result"`
	HistoryRewrittenAt types.String `tfsdk:"history_rewritten_at"`
	WebhookConfigured  types.Bool   `tfsdk:"webhook_configured"`
	LastDeliveryAt     types.String `tfsdk:"last_delivery_at"`
	LastDeliveryResult types.String `tfsdk:"last_delivery_result"`
	LastErrorCode      types.String `tfsdk:"last_error_code"`
	LastErrorMessage   types.String `tfsdk:"last_error_message"`
	Warnings           types.List   `tfsdk:"warnings"`
}

var syncWarningType = types.ObjectType{AttrTypes: map[string]attr.Type{"code": types.StringType, "message": types.StringType}}

func (d *RepositorySyncStatusDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_repository_sync_status"
}

func (d *RepositorySyncStatusDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(description string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: description}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The sync status of an application's external repository: the remote's head as " +
			"last seen, the platform's copy, whether they match, the last pull and webhook delivery, and the last " +
			"error. \"You have no webhook set up\" is reported as a warning (and in `warnings`), not an error. One " +
			"API request per read. **Extension** `sync_status`: refused at plan time without it (`Not available on " +
			"this Divio API`; look at the application's Repository view in the Control Panel instead).",
		Attributes: map[string]schema.Attribute{
			"application": schema.StringAttribute{
				MarkdownDescription: "UUID of the application, e.g. `divio_application.web.id`. Required; a malformed UUID is refused at plan time. Extension `sync_status`.",
				Required:            true,
				Validators:          []validator.String{validators.UUID()},
			},
			"repository_id":        computed("UUID of the application's external repository (null without one)."),
			"state":                computed("State of the last access check: `CLONING`, `CLONED` or `INVALID`."),
			"branch":               computed("The tracked branch."),
			"origin_head":          computed("Head of the remote's branch as last seen (by a check, a pull or a webhook delivery)."),
			"platform_head":        computed("Head of the platform's copy of the branch."),
			"in_sync":              schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether `origin_head` equals `platform_head`."},
			"last_sync_at":         computed("When the platform last pulled (RFC 3339, to the millisecond where the API gives it)."),
			"last_sync_result":     computed("`success` or the error code of the last pull."),
			"history_rewritten_at": computed("When a Reset to origin last found the remote's history rewritten."),
			"webhook_configured":   schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether a webhook is set up."},
			"last_delivery_at":     computed("When the last webhook delivery arrived."),
			"last_delivery_result": computed("`accepted`, `ignored`, `duplicate` or `rejected`."),
			"last_error_code":      computed("Code of the last error (access check or pull), null when none."),
			"last_error_message":   computed("Message of the last error: what is wrong and how to fix it."),
			"warnings": schema.ListNestedAttribute{
				MarkdownDescription: "Conditions that are not errors, such as `no_webhook`.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"code":    computed("Machine-readable code, e.g. `no_webhook`."),
					"message": computed("What it means and what to do."),
				}},
			},
		},
	}
}

func (d *RepositorySyncStatusDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *RepositorySyncStatusDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var data RepositorySyncStatusModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !requireExtension(ctx, d.client, &resp.Diagnostics, nil, divioapi.ExtSyncStatus, "data.divio_repository_sync_status",
		"The Control Panel's Repository view shows whether the application is up to date with its repository.") {
		return
	}
	status, err := d.client.GetSyncStatus(ctx, data.Application.ValueString())
	if err != nil {
		diagnostics.AddAPIError(&resp.Diagnostics, "Could not read the sync status", err, nil)
		return
	}
	data.RepositoryID = types.StringPointerValue(status.Repository)
	data.State = types.StringPointerValue(status.State)
	data.Branch = types.StringPointerValue(status.Branch)
	data.OriginHead = types.StringPointerValue(status.OriginHead)
	data.PlatformHead = types.StringPointerValue(status.PlatformHead)
	data.InSync = types.BoolValue(status.InSync)
	data.LastSyncAt = timeValue(status.LastSyncAt)
	data.LastSyncResult = types.StringPointerValue(status.LastSyncResult)
	data.HistoryRewrittenAt = timeValue(status.HistoryRewrittenAt)
	data.WebhookConfigured = types.BoolValue(status.WebhookConfigured)
	data.LastDeliveryAt = timeValue(status.LastDeliveryAt)
	data.LastDeliveryResult = types.StringPointerValue(status.LastDeliveryResult)
	data.LastErrorCode, data.LastErrorMessage = types.StringNull(), types.StringNull()
	if status.LastError != nil {
		data.LastErrorCode, data.LastErrorMessage = types.StringValue(status.LastError.Code), types.StringValue(status.LastError.Message)
	}
	warnings := make([]attr.Value, 0, len(status.Warnings))
	for _, w := range status.Warnings {
		diagnostics.SyncWarning(&resp.Diagnostics, w.Code, w.Message)
		obj, diags := types.ObjectValue(syncWarningType.AttrTypes, map[string]attr.Value{
			"code": types.StringValue(w.Code), "message": types.StringValue(w.Message),
		})
		resp.Diagnostics.Append(diags...)
		warnings = append(warnings, obj)
	}
	list, diags := types.ListValue(syncWarningType, warnings)
	resp.Diagnostics.Append(diags...)
	data.Warnings = list
	resp.Diagnostics.Append(resp.State.Set(ctx, &data)...)
}

// timeValue renders an optional API time as RFC 3339 with the precision
// the API gives (the control plane answers milliseconds; a zero fraction is
// left out), or null.
func timeValue(t *time.Time) types.String {
	if t == nil {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339Nano))
}
