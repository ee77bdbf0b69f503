# Read the webhook's URL and secret without storing them in the state, and
# hand them to a write-only argument of another resource.
ephemeral "divio_repository_webhook" "web" {
  application = data.divio_application.web.id
}
