"""The count the issue asks for: every resource the FHIR tests produce is parsed with the FHIR 4.0.1
models and checked with the nl-core FHIRPath rules (check_resource), and the numbers are printed at
the end of the run (tests/conftest.py's terminal summary; under xdist each worker hands its counts
to the controller)."""
from __future__ import annotations

import json
from collections import Counter

from igp.fhir import validate

COUNTS: Counter = Counter()


def check_resource(resource: dict) -> dict:
    """Parse and check a resource or Bundle; fail the test on any problem; count what was checked."""
    found = validate.problems(resource)
    assert not found, "\n".join(str(p) for p in found)
    for item in validate.resources_in(resource):
        COUNTS[item["resourceType"]] += 1
        COUNTS[" fhirpath"] += sum(1 for c in validate.CHECKS if c.resource_type == item["resourceType"]
                                   and (c.profile is None or validate.claims(item, c.profile)))
    return resource


def fhir_json(response) -> dict:
    """The body of a FHIR answer: application/fhir+json, parsed, checked and counted."""
    assert response.mimetype == "application/fhir+json", (response.status_code, response.mimetype)
    return check_resource(json.loads(response.get_data(as_text=True)))


def summary(counts: Counter) -> str | None:
    checks = counts.get(" fhirpath", 0)
    per_type = {k: v for k, v in counts.items() if not k.startswith(" ")}
    if not per_type:
        return None
    listed = ", ".join(f"{k} {v}" for k, v in sorted(per_type.items()))
    return (f"FHIR: {sum(per_type.values())} resources parsed with the 4.0.1 models and checked, {checks} FHIRPath "
            f"checks passed (nl-core {validate.PACKAGE_VERSION}): {listed}")
