# Quickstart: look up an application, issue the SSH deploy key Divio will use
# to reach its external Git repository, and bind the repository. `make demo`
# applies this against a local reference control plane and a local Git host;
# against Divio itself, export DIVIO_API_TOKEN and set application_slug and
# repository_url.
#
# The deploy key must be on the Git host before the binding's access check:
# apply with -target=divio_repository_deploy_key.deploy first, add the key to
# the host (or let the GitHub/GitLab/Bitbucket provider do it in the same
# apply), then apply everything.

terraform {
  required_providers {
    divio = {
      source = "divio-community/divio"
    }
  }
}

# api_url and api_token come from DIVIO_API_URL and DIVIO_API_TOKEN.
provider "divio" {}

variable "application_slug" {
  description = "Slug of the Divio application whose repository to manage."
  type        = string
  default     = "demo-app"
}

data "divio_application" "app" {
  slug = var.application_slug
}

variable "repository_url" {
  description = "SSH URL of the external repository, e.g. git@github.com:acme/website.git. Null: no binding yet."
  type        = string
  default     = null
}

resource "divio_repository_deploy_key" "deploy" {
  application = data.divio_application.app.id
}

resource "divio_external_repository" "repo" {
  count = var.repository_url == null ? 0 : 1

  application   = data.divio_application.app.id
  url           = var.repository_url
  deploy_key_id = divio_repository_deploy_key.deploy.id
}

# The webhook that tells Divio to pull when commits land: paste url and secret
# into the Git host (or use the GitHub/GitLab/Bitbucket provider).
resource "divio_repository_webhook" "push" {
  count = var.repository_url == null ? 0 : 1

  application = divio_external_repository.repo[0].application
  type        = "github"
}

data "divio_repository_sync_status" "repo" {
  count = var.repository_url == null ? 0 : 1

  application = data.divio_application.app.id
  depends_on  = [divio_repository_webhook.push]
}

output "application" {
  value = {
    id           = data.divio_application.app.id
    name         = data.divio_application.app.name
    environments = { for env in data.divio_application.app.environments : env.slug => env.branch }
  }
}

output "deploy_key_fingerprint" {
  description = "Compare with the fingerprint the Git host shows for the deploy key."
  value       = divio_repository_deploy_key.deploy.fingerprint_sha256
}

output "deploy_key_public_key" {
  description = "Add this to the Git host as a deploy key with write access."
  value       = divio_repository_deploy_key.deploy.public_key
}

output "repository" {
  description = "The binding's access check: state and pinned host key (the commits pulled are in the sync status)."
  value = var.repository_url == null ? null : {
    state                = divio_external_repository.repo[0].state
    host_key_fingerprint = divio_external_repository.repo[0].host_key_fingerprint
  }
}

output "webhook_url" {
  description = "GitHub: Settings > Webhooks > Payload URL (content type application/json, push events)."
  value       = var.repository_url == null ? null : divio_repository_webhook.push[0].url
  sensitive   = true
}

output "webhook_secret" {
  description = "GitHub: the webhook's Secret."
  value       = var.repository_url == null ? null : divio_repository_webhook.push[0].secret
  sensitive   = true
}

output "sync_status" {
  description = "How the platform's copy compares with the repository."
  value = var.repository_url == null ? null : {
    origin_head        = data.divio_repository_sync_status.repo[0].origin_head
    platform_head      = data.divio_repository_sync_status.repo[0].platform_head
    in_sync            = data.divio_repository_sync_status.repo[0].in_sync
    webhook_configured = data.divio_repository_sync_status.repo[0].webhook_configured
    last_delivery      = data.divio_repository_sync_status.repo[0].last_delivery_result
  }
}
