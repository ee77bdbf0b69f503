import {
  to = divio_application_repository.legacy
  identity = {
    application = "9c2f5d1a-6b7e-4f3a-8c1d-0e2b4a6c8d9f"
  }
}
