import {
  to = divio_repository_verification.site
  id = "4a3b8f2e-0c4d-4c55-9d7f-2b1f0c9e8a11" # the repository's UUID
}
