# Adopt the webhooks of an organisation's applications in one plan
# (Terraform 1.7+, OpenTofu 1.7+), keyed by the slug of their application,
# beside the applications adopted with divio_applications (see its example
# for divio_application.app and local.application_slugs).
data "divio_repository_webhooks" "acme" {
  organisation = data.divio_organisation.acme.id
}

locals {
  webhooks = { for h in data.divio_repository_webhooks.acme.webhooks : local.application_slugs[h.application] => h }
}

import {
  for_each = local.webhooks
  to       = divio_repository_webhook.hook[each.key]
  id       = each.value.application
}

# The import keeps the webhook's secret: nothing is rotated.
resource "divio_repository_webhook" "hook" {
  for_each = local.webhooks

  application = divio_application.app[each.key].id
  type        = each.value.type
}
