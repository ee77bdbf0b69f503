# Adopt the branch each environment of an organisation's applications
# tracks, in one plan (Terraform 1.7+, OpenTofu 1.7+), keyed by
# "<application slug>/<environment slug>", beside the applications adopted
# with divio_applications (see its example for local.application_slugs).
data "divio_environment_tracking_branches" "acme" {
  organisation = data.divio_organisation.acme.id
}

locals {
  tracking_branches = {
    for e in data.divio_environment_tracking_branches.acme.tracking_branches :
    "${local.application_slugs[e.application]}/${e.slug}" => e
  }
}

import {
  for_each = local.tracking_branches
  to       = divio_environment_tracking_branch.env[each.key]
  id       = each.value.environment
}

resource "divio_environment_tracking_branch" "env" {
  for_each = local.tracking_branches

  environment = each.value.environment
  branch      = each.value.branch
}
