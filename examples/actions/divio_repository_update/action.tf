# Terraform 1.14+: `terraform apply -invoke=action.divio_repository_update.web`
action "divio_repository_update" "web" {
  config {
    application = data.divio_application.web.id

    timeouts {
      invoke = "10m" # default 5m
    }
  }
}
