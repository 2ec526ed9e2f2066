"""Science projects, pure: reviewer assignment, conflicts of interest, review aggregation, random inspections and
quotas. No Django: the services, the pages, the API, the CLI and the tests use it directly."""
