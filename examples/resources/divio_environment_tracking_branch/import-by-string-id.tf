import {
  to = divio_environment_tracking_branch.test
  id = "2f1d7c7e-0c1b-4f0e-8d4b-1b0b8f9e6a55" # the environment's UUID
}
