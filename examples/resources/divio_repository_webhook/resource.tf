# GitHub: Divio's webhook URL and secret go into a github_repository_webhook.
resource "divio_repository_webhook" "github" {
  application = divio_application.web.id
  type        = "github"
}

resource "github_repository_webhook" "divio" {
  repository = "website"
  events     = ["push"] # "Just the push event"
  configuration {
    url          = divio_repository_webhook.github.url    # Payload URL
    content_type = "json"                                 # application/json
    secret       = divio_repository_webhook.github.secret # Secret
    insecure_ssl = false
  }
}

# GitLab: URL and Secret token, Push events.
resource "divio_repository_webhook" "gitlab" {
  application = divio_application.api.id
  type        = "gitlab"

  # Rotate the secret every quarter (any change of these values rotates).
  rotation_triggers = {
    quarter = "2026-Q4"
  }
}

resource "gitlab_project_hook" "divio" {
  project     = "acme/api"
  url         = divio_repository_webhook.gitlab.url
  token       = divio_repository_webhook.gitlab.secret
  push_events = true
}

# Bitbucket: the URL is the credential (Bitbucket does not use the secret).
resource "divio_repository_webhook" "bitbucket" {
  application = divio_application.docs.id
  type        = "bitbucket"
}

resource "bitbucket_hook" "divio" {
  owner       = "acme"
  repository  = "docs"
  url         = divio_repository_webhook.bitbucket.url
  description = "Divio"
  events      = ["repo:push"] # Repository push
}

# Keep the secret out of the state: choose it yourself, write-only.
resource "divio_repository_webhook" "private" {
  application       = divio_application.internal.id
  type              = "github"
  secret_wo         = ephemeral.random_password.webhook.result
  secret_wo_version = 1 # change to rotate
}
