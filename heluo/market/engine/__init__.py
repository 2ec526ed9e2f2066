"""Pure computation for the technology market (no Django): used by the services, the pages, the API and the CLI."""
