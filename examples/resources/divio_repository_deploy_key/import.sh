# A deploy key is imported by its UUID.
terraform import divio_repository_deploy_key.web 0b6f8a2e-7a35-4a8f-9d4e-3c1c2b6f1e55
