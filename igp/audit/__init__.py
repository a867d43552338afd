"""Append-only, hash-chained access log (NEN 7513 style)."""
