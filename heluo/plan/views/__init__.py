"""The plan monitoring pages by family: dashboard and warnings, indicators, map, district assessment, annual report."""
