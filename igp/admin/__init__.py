"""IGP-wide configuration: poli's, settings (terms, calendar), the need-to-know table."""
