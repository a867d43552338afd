"""Bundles: a collection (the export) and a searchset (a search), with absolute fullUrls."""
from __future__ import annotations

from igp.clock import iso


def full_url(base_url: str, resource: dict) -> str:
    return f"{base_url}/{resource['resourceType']}/{resource['id']}"


def collection(resources: list[dict], *, base_url: str, at, identifier: dict | None = None) -> dict:
    bundle = {"resourceType": "Bundle", "meta": {"lastUpdated": iso(at)}, "type": "collection",
              "timestamp": iso(at), "entry": [{"fullUrl": full_url(base_url, r), "resource": r} for r in resources]}
    if identifier:
        bundle["identifier"] = identifier
    return bundle


def searchset(matches: list[dict], *, base_url: str, at, self_url: str) -> dict:
    return {"resourceType": "Bundle", "meta": {"lastUpdated": iso(at)}, "type": "searchset", "total": len(matches),
            "link": [{"relation": "self", "url": self_url}],
            "entry": [{"fullUrl": full_url(base_url, r), "resource": r, "search": {"mode": "match"}} for r in matches]}
