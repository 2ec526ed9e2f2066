"""Plan monitoring's pure computations: progress measures, the composite index and the district assessment on a
data matrix. Plain Python: no Django, no models, no database; the selectors gather the data and call these."""
