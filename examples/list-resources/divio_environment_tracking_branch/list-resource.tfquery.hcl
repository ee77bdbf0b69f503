# The test environments of one application and the branch each tracks
# (extension tracking_branches).
list "divio_environment_tracking_branch" "test" {
  provider         = divio
  include_resource = true

  config {
    application      = "5b0f0c55-7c1e-4c0e-9a55-1c3a3b4a0b7d"
    environment_slug = "test"
  }
}
