"""The synthetic Luoyang demo ecosystem behind `heluo demo`.

An app without models (it only adds the `heluo demo` command):
    sectors.py    industry profiles (cluster ↔ GB/T 4754 divisions ↔ high-tech fields) and area weights
    names.py      Chinese person and company names, addresses
    scale.py      the yearly targets (高企, 科小, 专精特新 …) and the size factors
    enterprises.py  the in-memory plan: enterprises, revenue paths, qualifications
    figures.py    one enterprise's annual figures, internally consistent
    platforms.py  innovation platforms with their status histories
    people.py     talents, experts and mentors
    generator.py  reference look-ups, writing in batches, the change log, reset
    accounts.py   the demo accounts and API token
    data/luoyang_named.json  real named organizations and platforms (figures synthetic)

Everything is drawn from `random.Random(seed)`: the same seed gives the same data on SQLite and PostgreSQL.
Entry points: `generator.generate(size, seed)`, `generator.reset()`, `accounts.ensure_accounts()`.
"""
