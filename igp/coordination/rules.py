"""Pure coordination rules: who may change a family's coordinator. No Flask, no database."""
from __future__ import annotations

from collections.abc import Iterable

# Roles that may take part in coordination decisions at all (not aggregate-only roles).
COORDINATING_ACTORS = frozenset({"gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts",
                                 "jeugdverpleegkundige", "sociaal_werker", "planner"})
DIRECT_CARE = frozenset({"registering_organisation", "coordinator", "core_team", "substitute"})


def may_change_coordinator(roles: Iterable[str], involvement: Iterable[str], has_coordinator: bool) -> bool:
    """Taking coordination over from a serving coordinator is for the planner, the coordinator
    (or the substitute acting for them) and the registering organisation. A family without a
    coordinator may be given one (the actor included) by anyone with a direct care relationship.
    Other kernteam members may only propose a change."""
    roles, kinds = frozenset(roles), frozenset(involvement)
    if not roles & COORDINATING_ACTORS:
        return False
    if "planner" in roles or kinds & {"coordinator", "substitute", "registering_organisation"}:
        return True
    return not has_coordinator and bool(kinds & DIRECT_CARE)


def may_propose_coordinator(roles: Iterable[str], involvement: Iterable[str]) -> bool:
    """A kernteam member with a care relationship may propose who coordinates."""
    return bool(frozenset(roles) & COORDINATING_ACTORS) and bool(frozenset(involvement) & DIRECT_CARE)


def may_exit(roles: Iterable[str], involvement: Iterable[str]) -> bool:
    """Ending the family's IGP course (uitstroom) is the coordinator's (or substitute's) step, or
    that of the registering organisation; not of any kernteam member, nor of the planner alone."""
    return bool(frozenset(roles) & COORDINATING_ACTORS) and bool(
        frozenset(involvement) & {"coordinator", "substitute", "registering_organisation"})
