# A webhook is imported by its application's UUID (a binding has at most one webhook).
terraform import divio_repository_webhook.github 5b0f0c55-7c1e-4c0e-9a55-1c3a3b4a0b7d
