data "divio_application" "web" {
  slug = "my-website"
}

resource "divio_repository_deploy_key" "web" {
  application = data.divio_application.web.id
  key_type    = "ed25519" # the default; "ecdsa" and "rsa" for hosts that need them

  # Rotate without a gap: the new key exists (and can be installed on the Git
  # host) before the old one is deleted.
  lifecycle {
    create_before_destroy = true
  }
}

# Install it on GitHub with the GitHub provider, with write access as Divio requires:
#
# resource "github_repository_deploy_key" "divio" {
#   title      = "Divio"
#   repository = "my-website"
#   key        = divio_repository_deploy_key.web.public_key
#   read_only  = false
# }
