"""Throughput for projectleiders: aggregated, anonymous figures computed by the database."""
