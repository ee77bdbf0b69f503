# Fail the plan (and so a CI drift check) when Divio is behind the
# repository: a postcondition is an error, a check block only a warning.
data "divio_repository_sync_status" "web" {
  application = data.divio_application.web.id

  lifecycle {
    postcondition {
      condition     = self.in_sync
      error_message = "Divio's copy (${coalesce(self.platform_head, "none")}) is behind the repository (${coalesce(self.origin_head, "none")}): push a webhook delivery, or run the divio_repository_update action."
    }
  }
}

output "in_sync" {
  value = data.divio_repository_sync_status.web.in_sync
}

# Only warn, and go on with the plan:
check "divio_in_sync" {
  assert {
    condition     = data.divio_repository_sync_status.web.in_sync
    error_message = "Divio is behind the repository."
  }
}
