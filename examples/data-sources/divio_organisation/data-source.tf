data "divio_organisation" "acme" {
  name = "Acme"
}
