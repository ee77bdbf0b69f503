# Adopt every application of an organisation in one plan (Terraform 1.7+,
# OpenTofu 1.7+): one import block and one resource block, each with
# for_each over the applications, keyed by slug.
data "divio_organisation" "acme" {
  name = "Acme"
}

data "divio_applications" "acme" {
  organisation = data.divio_organisation.acme.id
}

# Divio's public API does not answer plan groups and regions (the Control
# Panel shows them): give them here for the applications where
# divio_applications has none; the apply after the import records them
# without any API call.
variable "placements" {
  description = "Plan group and region UUIDs, by application slug."
  type        = map(object({ plan_group = string, region = string }))
  default     = {}
}

locals {
  applications = { for a in data.divio_applications.acme.applications : a.slug => a }
  # Slugs by UUID, to key webhooks and tracking branches by application slug.
  application_slugs = { for a in data.divio_applications.acme.applications : a.id => a.slug }
}

import {
  for_each = local.applications
  to       = divio_application.app[each.key]
  id       = each.value.id
}

resource "divio_application" "app" {
  for_each = local.applications

  name         = each.value.name
  slug         = each.value.slug
  organisation = each.value.organisation
  plan_group   = coalesce(each.value.plan_group, try(var.placements[each.key].plan_group, null))
  region       = coalesce(each.value.region, try(var.placements[each.key].region, null))
  repository   = each.value.repository # null: Divio's own Git server
  branch       = each.value.branch
}
