# A binding is imported by its application's UUID (an application has at most one).
terraform import divio_external_repository.web 5b0f0c55-7c1e-4c0e-9a55-1c3a3b4a0b7d
