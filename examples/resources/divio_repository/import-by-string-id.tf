import {
  to = divio_repository.site
  id = "4a3b8f2e-0c4d-4c55-9d7f-2b1f0c9e8a11"
}
