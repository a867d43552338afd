"""Warme overdracht: every handover tracked against its term in working days."""
