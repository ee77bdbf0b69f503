# A new Divio application on a GitHub repository, in one apply: the GitHub
# provider installs the deploy key Divio issues (with write access) and the
# webhook; the verification waits for the key.

terraform {
  required_providers {
    divio  = { source = "divio-community/divio" }
    github = { source = "integrations/github" }
  }
}

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

resource "github_repository" "site" {
  name      = "website"
  auto_init = true # main with a README: what a new application's branch may hold
}

resource "divio_repository" "site" {
  organisation = data.divio_organisation.acme.id
  url          = github_repository.site.ssh_clone_url
}

# Settings > Deploy keys > Add deploy key, "Allow write access".
resource "github_repository_deploy_key" "divio" {
  title      = "Divio"
  repository = github_repository.site.name
  key        = divio_repository.site.public_key
  read_only  = false
}

resource "divio_repository_verification" "site" {
  repository = divio_repository.site.id
  triggers   = { deploy_key = github_repository_deploy_key.divio.id }
}

resource "divio_application" "web" {
  name         = "Acme website"
  slug         = "acme-website"
  organisation = data.divio_organisation.acme.id
  plan_group   = data.divio_plan_group.web.id
  region       = data.divio_region.eu.id
  repository   = divio_repository_verification.site.repository
  branch       = "main"
}

# Extension (the reference control plane): Settings > Webhooks, push events.
resource "divio_repository_webhook" "push" {
  application = divio_application.web.id
  type        = "github"
}

resource "github_repository_webhook" "divio" {
  repository = github_repository.site.name
  events     = ["push"]
  configuration {
    url          = divio_repository_webhook.push.url
    content_type = "json"
    secret       = divio_repository_webhook.push.secret
    insecure_ssl = false
  }
}
