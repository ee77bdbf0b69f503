# The webhooks of every application of an organisation (extension webhooks).
list "divio_repository_webhook" "acme" {
  provider         = divio
  include_resource = true

  config {
    organisation = "8c5f3c1e-3b8a-4f43-9d39-8f5b0c6b2a11"
  }
}
