# Quickstart: the core flow of Divio's public API, plus the webhook and sync
# status where the server offers them. `make demo` applies this against a
# local reference control plane and a local Git host; against Divio itself,
# export DIVIO_API_TOKEN and set the variables (and extensions = false).
#
# The deploy key must be on the Git host before the verification: apply
# with -target=divio_repository.site first, add public_key to the host as a
# deploy key with write access (or let the GitHub/GitLab/Bitbucket provider
# do it in the same apply, see examples/github), then apply everything.

terraform {
  required_providers {
    divio = {
      source = "divio-community/divio"
    }
  }
}

# api_url and api_token come from DIVIO_API_URL and DIVIO_API_TOKEN.
provider "divio" {}

variable "organisation" {
  description = "Name of the Divio organisation the repository and the application belong to."
  type        = string
  default     = "Demo organisation"
}

variable "plan_group" {
  description = "Name of the application plan group."
  type        = string
  default     = "Free"
}

variable "region" {
  description = "Name of the region the application runs in."
  type        = string
  default     = "eu-central"
}

variable "application_slug" {
  description = "Slug of the new application."
  type        = string
  default     = "demo-shop"
}

variable "repository_url" {
  description = "SSH URL of the external repository, e.g. git@github.com:acme/website.git. Its main branch may hold a single readme (such as README.md), a licence and dot files."
  type        = string
}

variable "extensions" {
  description = "Whether the server offers the webhook and sync status extensions (the reference control plane does; api.divio.com does not)."
  type        = bool
  default     = true
}

data "divio_organisation" "org" {
  name = var.organisation
}

data "divio_plan_group" "plan" {
  organisation = data.divio_organisation.org.id
  name         = var.plan_group
}

data "divio_region" "region" {
  name = var.region
}

resource "divio_repository" "site" {
  organisation = data.divio_organisation.org.id
  url          = var.repository_url
}

# Test access: Divio clones main and checks that it may push. A new deploy
# key (a replaced repository) verifies again.
resource "divio_repository_verification" "site" {
  repository = divio_repository.site.id
  triggers   = { deploy_key = divio_repository.site.fingerprint_sha256 }
}

resource "divio_application" "app" {
  name         = "Demo shop"
  slug         = var.application_slug
  organisation = data.divio_organisation.org.id
  plan_group   = data.divio_plan_group.plan.id
  region       = data.divio_region.region.id
  repository   = divio_repository_verification.site.repository
  branch       = "main"
}

# The webhook that tells Divio to pull when commits land (an extension):
# paste url and secret into the Git host, or use its provider.
resource "divio_repository_webhook" "push" {
  count = var.extensions ? 1 : 0

  application = divio_application.app.id
  type        = "github"
}

data "divio_repository_sync_status" "app" {
  count = var.extensions ? 1 : 0

  application = divio_application.app.id
  depends_on  = [divio_repository_webhook.push]
}

output "deploy_key_public_key" {
  description = "Add this to the Git host as a deploy key with write access."
  value       = divio_repository.site.public_key
}

output "deploy_key_fingerprint" {
  description = "Compare with the fingerprint the Git host shows for the deploy key."
  value       = divio_repository.site.fingerprint_sha256
}

output "application" {
  value = {
    id         = divio_application.app.id
    slug       = divio_application.app.slug
    repository = divio_application.app.repository
    branch     = divio_application.app.branch
  }
}

output "webhook_url" {
  description = "GitHub: Settings > Webhooks > Payload URL (content type application/json, push events)."
  value       = var.extensions ? divio_repository_webhook.push[0].url : null
  sensitive   = true
}

output "webhook_secret" {
  description = "GitHub: the webhook's Secret."
  value       = var.extensions ? divio_repository_webhook.push[0].secret : null
  sensitive   = true
}

output "sync_status" {
  description = "Whether Divio's copy of the branch is the repository's (after a push and its webhook)."
  value = var.extensions ? {
    in_sync            = data.divio_repository_sync_status.app[0].in_sync
    origin_head        = data.divio_repository_sync_status.app[0].origin_head
    platform_head      = data.divio_repository_sync_status.app[0].platform_head
    webhook_configured = data.divio_repository_sync_status.app[0].webhook_configured
    last_delivery      = data.divio_repository_sync_status.app[0].last_delivery_result
  } : null
}
