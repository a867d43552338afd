"""Consent-gated sharing: consent records, break-the-glass, the need-to-know table, and the
one gateway through which every read of family data passes (igp.sharing.gateway)."""
