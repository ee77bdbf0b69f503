# Move an application created in the Control Panel (on Divio's own Git
# server) to an external repository, and bring it under Terraform.
#
# 1. Push its branches to the new repository:
#      git remote add external git@github.com:acme/legacy.git
#      git push external main
# 2. Apply this with -target=divio_repository.legacy, install public_key on
#    the Git host with write access, then apply everything.
#
# divio_application_repository needs the application_migration extension.
# On api.divio.com, migrate in the Control Panel instead (Repository >
# Migrate to external repository), then import the repository and the
# application with repository and branch set to match (see the guide
# "Migrating an existing application from the Control Panel").

terraform {
  required_providers {
    divio = { source = "divio-community/divio" }
  }
}

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
  migrate     = true
}
