# Imported by the application's UUID.
terraform import divio_application_repository.legacy 9c2f5d1a-6b7e-4f3a-8c1d-0e2b4a6c8d9f
