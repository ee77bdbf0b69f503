# A new Divio application on a Bitbucket repository. Bitbucket takes the
# key as an account SSH key: consider a dedicated Bitbucket account for
# Divio, since the key reaches every repository of the account.

terraform {
  required_providers {
    divio     = { source = "divio-community/divio" }
    bitbucket = { source = "DrFaust92/bitbucket" }
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

resource "divio_repository" "docs" {
  organisation = var.organisation_id
  url          = "git@bitbucket.org:acme/docs.git"
}

resource "bitbucket_ssh_key" "divio" {
  user  = "divio-deploy"
  key   = divio_repository.docs.public_key
  label = "Divio"
}

resource "divio_repository_verification" "docs" {
  repository = divio_repository.docs.id
  triggers   = { key = bitbucket_ssh_key.divio.uuid }
}

resource "divio_application" "docs" {
  name         = "Acme docs"
  slug         = "acme-docs"
  organisation = var.organisation_id
  plan_group   = var.plan_group_id
  region       = var.region_id
  repository   = divio_repository_verification.docs.repository
}

# Extension: the webhook URL is the credential (Bitbucket sends no secret).
resource "divio_repository_webhook" "push" {
  application = divio_application.docs.id
  type        = "bitbucket"
}

resource "bitbucket_hook" "divio" {
  owner       = "acme"
  repository  = "docs"
  url         = divio_repository_webhook.push.url
  description = "Divio"
  events      = ["repo:push"]
}
