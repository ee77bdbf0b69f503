# Read the webhook's URL and secret without storing them in the state, and
# hand them to a write-only argument of another resource.
#
# Read it by the webhook's id: the id is unknown until the webhook exists, so
# on the first apply the webhook is read after it is created (reading it by
# application during that first plan would find no webhook).
resource "divio_repository_webhook" "push" {
  application = data.divio_application.web.id
  type        = "github"
}

ephemeral "divio_repository_webhook" "push" {
  id = divio_repository_webhook.push.id
}

# For a webhook managed elsewhere (e.g. set up in the Control Panel):
ephemeral "divio_repository_webhook" "existing" {
  application = data.divio_application.api.id
}
