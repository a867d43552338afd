"""Fixtures of the FHIR tests (the counting of checked resources is in counting.py)."""
from __future__ import annotations

import pytest

from tests.fhir.counting import check_resource


@pytest.fixture
def checked():
    return check_resource
