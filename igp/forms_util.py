"""Shared form helpers."""
from wtforms import SelectChoice


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs (or a dict) as WTForms SelectChoice objects."""
    if isinstance(pairs, dict):
        pairs = pairs.items()
    return [SelectChoice(value=value, label=label) for value, label in pairs]
