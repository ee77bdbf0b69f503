# Bind a Divio application to a GitHub repository, installing Divio's deploy
# key with the GitHub provider in the same apply.

data "divio_application" "web" {
  slug = "my-website"
}

resource "divio_repository_deploy_key" "web" {
  application = data.divio_application.web.id
}

resource "github_repository_deploy_key" "divio" {
  title      = "Divio (${data.divio_application.web.slug})"
  repository = "website"
  key        = divio_repository_deploy_key.web.public_key
  read_only  = false # Divio needs write access to set the binding up
}

resource "divio_external_repository" "web" {
  application   = data.divio_application.web.id
  url           = "git@github.com:acme/website.git"
  branch        = "main"
  migrate       = true # an existing application whose code was pushed to the repository
  deploy_key_id = divio_repository_deploy_key.web.id

  # The access check runs once the key is on GitHub.
  depends_on = [github_repository_deploy_key.divio]

  timeouts {
    create = "5m"
  }
}

# A Git host other than GitHub, GitLab or Bitbucket may be reached over HTTPS
# with a personal access token, which Terraform never stores:
#
# resource "divio_external_repository" "internal" {
#   application = data.divio_application.web.id
#   url         = "https://git.example.com/acme/website.git"
#   https {
#     username         = "divio-bot"
#     token_wo         = var.git_token   # an ephemeral or sensitive value
#     token_wo_version = 1               # change to send a rotated token
#   }
# }
