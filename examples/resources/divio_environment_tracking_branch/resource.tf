data "divio_application" "web" {
  slug = "my-website"
}

# The test environment deploys from develop; the branch must exist in the
# external repository.
resource "divio_environment_tracking_branch" "test" {
  environment = one([for env in data.divio_application.web.environments : env.id if env.slug == "test"])
  branch      = "develop"
}
