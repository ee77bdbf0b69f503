# The repositories of an organisation on GitHub's acme account. On Divio's
# public API: those its applications use.
list "divio_repository" "acme" {
  provider         = divio
  include_resource = true

  config {
    organisation = "8c5f3c1e-3b8a-4f43-9d39-8f5b0c6b2a11"
    url_contains = "github.com:acme/"
  }
}
