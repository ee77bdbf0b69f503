import {
  to = divio_repository_webhook.github
  id = "5b0f0c55-7c1e-4c0e-9a55-1c3a3b4a0b7d" # the application's UUID
}
