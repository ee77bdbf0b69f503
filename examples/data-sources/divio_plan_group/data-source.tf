data "divio_plan_group" "web" {
  name = "Free"
}

output "regions_offered" {
  value = data.divio_plan_group.web.regions
}
