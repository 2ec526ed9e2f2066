"""Enterprise cultivation: qualification rule sets as data, pools (培育库), the listing reserve, service officers,
R&D incentives, innovation points and 免申即享 benefit lists.

The package imports nothing itself: ``heluo qualify`` (``qualify_csv.main``) runs before any Django set-up.
The pure computations are in ``engine`` (no Django at all); reads in ``selectors``, writes in ``services``,
pages in ``views``, the REST API in ``api``.
"""
