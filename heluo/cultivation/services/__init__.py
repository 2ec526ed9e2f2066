"""Cultivation's writes: evaluation runs, pools, service work (一企一专班), 免申即享 lists, bank lists, rule sets."""
