"""The web framework's views: generic object pages, reference-data pages, and its own pages (home, imports, account, audit)."""
