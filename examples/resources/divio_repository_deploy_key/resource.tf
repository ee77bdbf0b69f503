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

# Install it on the Git host, with write access as Divio requires to set the
# binding up.

# GitHub: Settings > Deploy keys > Add deploy key, "Allow write access".
resource "github_repository_deploy_key" "divio" {
  title      = "Divio"
  repository = "my-website"
  key        = divio_repository_deploy_key.web.public_key
  read_only  = false
}

# GitLab: Settings > Repository > Deploy keys, "Grant write permissions to this key".
resource "gitlab_deploy_key" "divio" {
  project  = "acme/my-website"
  title    = "Divio"
  key      = divio_repository_deploy_key.web.public_key
  can_push = true
}

# Bitbucket: an SSH key (consider a dedicated Bitbucket account for Divio: the
# key grants access to all of the account's repositories).
resource "bitbucket_ssh_key" "divio" {
  user  = "divio-deploy"
  key   = divio_repository_deploy_key.web.public_key
  label = "Divio"
}
