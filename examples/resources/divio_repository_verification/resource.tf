resource "divio_repository_verification" "site" {
  repository = divio_repository.site.id
  branch     = "main" # must exist at the remote

  # Verify again when the deploy key on the Git host is replaced.
  triggers = {
    deploy_key = github_repository_deploy_key.divio.id
  }

  timeouts {
    create = "5m"
  }
}
