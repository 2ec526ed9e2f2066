"""Innovation voucher pages, by who uses them: one voucher (voucher), the enterprise, the provider and the bureau; what they share is common."""
