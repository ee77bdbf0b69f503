data "divio_organisation" "acme" {
  name = "Acme"
}

data "divio_plan_group" "web" {
  organisation = data.divio_organisation.acme.id
  name         = "Free"
}

output "regions_offered" {
  value = data.divio_plan_group.web.regions
}
