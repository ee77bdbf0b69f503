data "divio_application" "web" {
  slug = "my-website"
}

output "environments" {
  # e.g. { live = "main", test = "develop" }
  value = { for env in data.divio_application.web.environments : env.slug => env.branch }
}
