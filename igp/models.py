"""Imports every model module so the metadata (and Alembic autogenerate) sees all tables."""
from igp.admin.models import LocalTeam, Poli, PoliTeamMember, Setting  # noqa: F401
from igp.audit.models import AuditEntry, AuditHead  # noqa: F401
from igp.auth.models import ApiToken, LoginThrottle, Organisation, User, UserRole  # noqa: F401
from igp.contacts.models import ContactMoment  # noqa: F401
from igp.coordination.models import (  # noqa: F401
    Absence,
    CoordinatorAssignment,
    CoordinatorProposal,
    CoreTeamMember,
    Knelpunt,
)
from igp.families.models import (  # noqa: F401
    Child,
    DuplicateCandidate,
    Family,
    FamilyNote,
    Intake,
    IntakeParticipant,
    Parent,
    PoliMove,
    Pregnancy,
    Referral,
    TargetAssessment,
    TargetGroupCode,
)
from igp.handover.models import DigestLog, FamilyFeedback, Handover, HandoverEvent, HandoverFeedback  # noqa: F401
from igp.mdo.models import (  # noqa: F401
    AgendaItem,
    MdoAction,
    MdoAttendee,
    MdoMeeting,
    MdoOutcome,
    MdoSeries,
    MinutesRevision,
)
from igp.notifications.models import Notification  # noqa: F401
from igp.plan.models import FamilyPlan, PlanRevision  # noqa: F401
from igp.reporting.models import ExperienceResponse  # noqa: F401
from igp.sharing.models import BreakGlassAccess, ConsentRecord  # noqa: F401
from igp.support.models import InformalSupport, InformalSupportNote  # noqa: F401
