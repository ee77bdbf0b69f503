# Every application of an organisation whose slug contains "acme", each with
# the divio_application block an import would read.
list "divio_application" "acme" {
  provider         = divio
  include_resource = true # needed for -generate-config-out

  config {
    organisation  = "8c5f3c1e-3b8a-4f43-9d39-8f5b0c6b2a11" # the organisation's UUID
    slug_contains = "acme"
  }
}
