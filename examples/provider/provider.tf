terraform {
  required_providers {
    divio = {
      source = "divio-community/divio"
    }
  }
}

# Reads DIVIO_API_TOKEN (and DIVIO_API_URL, default https://api.divio.com)
# from the environment; keep tokens out of configuration files.
provider "divio" {}
