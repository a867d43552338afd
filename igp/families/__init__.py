"""Families: aanmelding (referral in), target-group check, intake, the family record."""
