# A new Divio application on a self-hosted Git server over HTTPS (where SSH
# is not allowed), with a personal access token that Terraform never stores.
# HTTPS is refused for github.com, gitlab.com and bitbucket.org.

terraform {
  required_providers {
    divio = { source = "divio-community/divio" }
  }
}

variable "git_token" {
  description = "Personal access token of the Git server's divio user (TF_VAR_git_token)."
  type        = string
  sensitive   = true
  ephemeral   = true
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

resource "divio_repository" "intranet" {
  organisation = data.divio_organisation.acme.id
  url          = "https://git.acme.example/web/intranet.git"

  https {
    username            = "divio"
    password_wo         = var.git_token
    password_wo_version = 1
  }
}

resource "divio_repository_verification" "intranet" {
  repository = divio_repository.intranet.id
}

resource "divio_application" "intranet" {
  name         = "Acme intranet"
  slug         = "acme-intranet"
  organisation = data.divio_organisation.acme.id
  plan_group   = data.divio_plan_group.web.id
  region       = data.divio_region.eu.id
  repository   = divio_repository_verification.intranet.repository
}
