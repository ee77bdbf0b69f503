data "divio_organisation" "acme" {
  name = "Acme"
}

# SSH (recommended): Divio issues a deploy key; install public_key on the Git
# host with write access.
resource "divio_repository" "site" {
  organisation = data.divio_organisation.acme.id
  url          = "git@github.com:acme/website.git"
  key_type     = "ED25519" # the default; "ECDSA" and "RSA" for hosts that need them
}

# HTTPS, for self-hosted Git servers where SSH is not allowed: a username and
# a personal access token, which Terraform never stores.
variable "git_token" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "divio_repository" "internal" {
  organisation = data.divio_organisation.acme.id
  url          = "https://git.acme.example/web/site.git"

  https {
    username            = "divio"
    password_wo         = var.git_token
    password_wo_version = 1 # change it to send a new token (this replaces the repository)
  }
}
