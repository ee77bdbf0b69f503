data "divio_repository_sync_status" "web" {
  application = data.divio_application.web.id
}

output "in_sync" {
  value = data.divio_repository_sync_status.web.in_sync
}

# Fail a CI plan when Divio is behind the repository.
check "divio_in_sync" {
  assert {
    condition     = data.divio_repository_sync_status.web.in_sync
    error_message = "Divio's copy (${coalesce(data.divio_repository_sync_status.web.platform_head, "none")}) is behind the repository (${coalesce(data.divio_repository_sync_status.web.origin_head, "none")})."
  }
}
