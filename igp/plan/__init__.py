"""Gezinsplan: the family's plan (hulpvraag, goals, actions, onward referrals, evaluation), with revisions."""
