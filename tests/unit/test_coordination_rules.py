"""The rule for who may change a family's coordinator (issue: a social worker of another
organisation moved a JGZ family's coordination to himself in one click)."""
import pytest

from igp.coordination.rules import may_change_coordinator, may_exit, may_propose_coordinator


@pytest.mark.parametrize("roles,kinds,has,expected", [
    ({"planner"}, {"team_planner"}, True, True),
    ({"jeugdverpleegkundige"}, {"coordinator"}, True, True),
    ({"jeugdverpleegkundige"}, {"substitute"}, True, True),
    ({"gynaecoloog"}, {"registering_organisation"}, True, True),
    ({"sociaal_werker"}, {"core_team"}, True, False),          # a kernteam member: propose only
    ({"sociaal_werker"}, {"core_team"}, False, True),          # nobody coordinates: may take it
    ({"sociaal_werker"}, {"mdo_attendee"}, False, False),      # attendance is no care relationship
    ({"informele_steun"}, {"core_team"}, False, False),        # not a coordinating role
    ({"mdo_voorzitter"}, {"registering_organisation"}, True, False),
    ({"projectleider"}, {"registering_organisation"}, False, False),
])
def test_may_change_coordinator(roles, kinds, has, expected):
    assert may_change_coordinator(roles, kinds, has) is expected


def test_may_propose_coordinator():
    assert may_propose_coordinator({"sociaal_werker"}, {"core_team"})
    assert not may_propose_coordinator({"sociaal_werker"}, {"mdo_attendee"})
    assert not may_propose_coordinator({"informele_steun"}, {"core_team"})


def test_may_exit():
    assert may_exit({"jeugdverpleegkundige"}, {"coordinator"})
    assert may_exit({"jeugdverpleegkundige"}, {"substitute"})
    assert may_exit({"gynaecoloog"}, {"registering_organisation"})
    assert not may_exit({"planner"}, {"team_planner"})           # review R5b: any planner exited any family
    assert not may_exit({"sociaal_werker"}, {"core_team"})
    assert not may_exit({"informele_steun"}, {"registering_organisation"})
