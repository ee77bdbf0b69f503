# Adopt the repositories of an organisation and their verifications in one
# plan (Terraform 1.7+, OpenTofu 1.7+), keyed by repository UUID. On Divio's
# public API these are the repositories its applications use.
data "divio_repositories" "acme" {
  organisation = data.divio_organisation.acme.id
}

locals {
  # SSH repositories only: an HTTPS repository (no key_type) needs an https
  # block with its token, which cannot be read back; adopt those one by one.
  repositories = { for r in data.divio_repositories.acme.repositories : r.id => r if r.key_type != null }
}

import {
  for_each = local.repositories
  to       = divio_repository.repo[each.key]
  id       = each.key
}

resource "divio_repository" "repo" {
  for_each = local.repositories

  organisation = each.value.organisation
  url          = coalesce(each.value.url, each.value.dsn) # Divio's public API answers only dsn
}

import {
  for_each = local.repositories
  to       = divio_repository_verification.repo[each.key]
  id       = each.key
}

resource "divio_repository_verification" "repo" {
  for_each = local.repositories

  repository = divio_repository.repo[each.key].id
}
