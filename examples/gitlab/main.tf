# A new Divio application on a GitLab project: the GitLab provider installs
# the deploy key (with write permissions) and the webhook.

terraform {
  required_providers {
    divio  = { source = "divio-community/divio" }
    gitlab = { source = "gitlabhq/gitlab" }
  }
}

variable "organisation_id" {
  type = string
}

variable "plan_group_id" {
  type = string
}

variable "region_id" {
  type = string
}

data "gitlab_project" "site" {
  path_with_namespace = "acme/website"
}

resource "divio_repository" "site" {
  organisation = var.organisation_id
  url          = data.gitlab_project.site.ssh_url_to_repo
  key_type     = "ECDSA"
}

# Settings > Repository > Deploy keys, "Grant write permissions to this key".
resource "gitlab_deploy_key" "divio" {
  project  = data.gitlab_project.site.id
  title    = "Divio"
  key      = divio_repository.site.public_key
  can_push = true
}

resource "divio_repository_verification" "site" {
  repository = divio_repository.site.id
  triggers   = { deploy_key = gitlab_deploy_key.divio.id }
}

resource "divio_application" "web" {
  name         = "Acme website"
  slug         = "acme-website"
  organisation = var.organisation_id
  plan_group   = var.plan_group_id
  region       = var.region_id
  repository   = divio_repository_verification.site.repository
}

# Extension: a secret of your own keeps it out of the state (GitLab's
# Secret token), rotated every quarter.
ephemeral "random_password" "hook" {
  length  = 40
  special = false
}

resource "divio_repository_webhook" "push" {
  application       = divio_application.web.id
  type              = "gitlab"
  secret_wo         = ephemeral.random_password.hook.result
  secret_wo_version = 1
}

resource "gitlab_project_hook" "divio" {
  project     = data.gitlab_project.site.id
  url         = divio_repository_webhook.push.url
  token       = ephemeral.random_password.hook.result
  push_events = true
}
