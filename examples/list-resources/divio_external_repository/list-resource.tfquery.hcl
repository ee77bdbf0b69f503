# `terraform query` (Terraform 1.14 and later) lists the bindings of an
# organisation; `terraform query -generate-config-out=bindings.tf` writes
# import blocks and configuration for them.
list "divio_external_repository" "all" {
  provider = divio

  config {
    organisation = "8c5f3c1e-3b8a-4f43-9d39-8f5b0c6b2a11"
  }
}
