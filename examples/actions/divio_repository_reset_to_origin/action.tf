# Terraform 1.14+: after a force-push to the repository,
# `terraform apply -invoke=action.divio_repository_reset_to_origin.web`
action "divio_repository_reset_to_origin" "web" {
  config {
    application = data.divio_application.web.id
  }
}
