package divioapi

import "context"

const applicationsPath = "/apps/v3/applications/"

// Application is a Divio application (project).
type Application struct {
	UUID         string `json:"uuid"`
	Slug         string `json:"slug"`
	Name         string `json:"name"`
	Organisation string `json:"organisation"`
	// Repository is the UUID of the bound external repository; nil means
	// Divio's own Git server.
	Repository *string `json:"repository"`
}

// ApplicationFilter narrows ListApplications; empty fields do not filter.
type ApplicationFilter struct {
	Slug         string
	Organisation string // UUID
	NameSearch   string // case-insensitive substring of the name
}

// GetApplication returns the application id.
func (c *Client) GetApplication(ctx context.Context, id string) (*Application, error) {
	return getObject[Application](ctx, c, applicationsPath, id)
}

// ListApplications returns all applications of the caller's organisations
// that match f.
func (c *Client) ListApplications(ctx context.Context, f ApplicationFilter) ([]Application, error) {
	return ListAll[Application](ctx, c, applicationsPath,
		filter("slug", f.Slug, "organisation", f.Organisation, "name_search", f.NameSearch))
}
