# Move an existing application (created in the Control Panel, on Divio's own
# Git server) to an external repository. Push its branches there first.
data "divio_application" "legacy" {
  slug = "acme-legacy"
}

resource "divio_repository" "legacy" {
  organisation = data.divio_application.legacy.organisation
  url          = "git@github.com:acme/legacy.git"
}

resource "divio_application_repository" "legacy" {
  application = data.divio_application.legacy.id
  repository  = divio_repository.legacy.id
  branch      = "main"
  migrate     = true # the branch holds the application's code

  timeouts {
    create = "20m" # the verification and the migration; default 10m
  }
}
