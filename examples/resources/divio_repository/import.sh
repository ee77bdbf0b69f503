# A repository is imported by its UUID, or by "<organisation UUID>/<repository UUID>"
# on a server whose answers do not name the organisation.
terraform import divio_repository.site 4a3b8f2e-0c4d-4c55-9d7f-2b1f0c9e8a11
