"""Science projects' records, one module per part (each imported here so that Django finds its models)."""
