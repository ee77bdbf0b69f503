# Quickstart: look up an application and issue the SSH deploy key Divio will
# use to reach its external Git repository. `make demo` applies this against a
# local reference control plane; against Divio itself, export DIVIO_API_TOKEN
# and set application_slug.

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

resource "divio_repository_deploy_key" "deploy" {
  application = data.divio_application.app.id
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
