data "divio_region" "eu" {
  name = "eu-central"
}
