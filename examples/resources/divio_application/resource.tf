data "divio_organisation" "acme" {
  name = "Acme"
}

data "divio_plan_group" "web" {
  organisation = data.divio_organisation.acme.id
  name         = "Free"
}

data "divio_region" "eu" {
  name = "eu-central"
}

resource "divio_application" "web" {
  name         = "Acme website"
  slug         = "acme-website"
  organisation = data.divio_organisation.acme.id
  plan_group   = data.divio_plan_group.web.id
  region       = data.divio_region.eu.id

  # On an external repository: refer to the verification, so that the
  # application is created once the repository is verified.
  repository = divio_repository_verification.site.repository
  branch     = "main"
}
