"""The forms of the family page: where each form lives on the page (its anchor), what its error
summary says and which field id each error path points to. One refused form of the page is shown
again through ``failure``: the summary at the top of the page links to these ids."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime

from markupsafe import Markup, escape, soft_str

from igp import clock

# form key -> (anchor of the form on the page, title of the summary, {error path: field id})
FORMS: dict[str, tuple[str, str, dict[str, str]]] = {
    # WTForms forms: ids "<prefix>-<field>"; a group of checkboxes by its first box
    "intake": ("intake", "De intake is niet opgeslagen", {"participants": "intake-participants-0"}),
    "note": ("aantekeningen", "De aantekening is niet opgeslagen", {}),
    "naw": ("gegevens", "De gegevens zijn niet opgeslagen", {
        "expected_due_date": "e-due", "support_question": "e-support", "parents": "e-p1-name"}),
    "sibling": ("gegevens", "De broer of zus is niet opgeslagen", {"children": "s-birth_date"}),
    "birth": ("geboorte", "De geboorte is niet opgeslagen", {"poli": "b-poli", "children": "b0-birth_date"}),
    "pregnancy": ("geboorte", "De zwangerschap is niet opgeslagen", {"expected_due_date": "pr-due", "_": "pr-due"}),
    "step": ("overdracht", "De stap van de warme overdracht is niet opgeslagen", {
        "type": "step-type", "at": "step-at", "contact_mode": "step-mode", "planned_at": "step-planned",
        "reason": "step-reason", "missed_reason": "step-reason", "note": "step-note", "missed_text": "step-note"}),
    "outstep": ("overdracht-uit", "De stap van de overdracht bij uitstroom is niet opgeslagen", {
        "type": "out-type", "at": "out-at", "planned_at": "out-planned", "reason": "out-reason",
        "note": "out-note"}),
    "hfb": ("overdracht", "De terugkoppeling is niet opgeslagen", {
        "recipient": "fb-recipient", "method": "fb-method", "note": "fb-note"}),
    "feedback": ("terugkoppeling", "De terugkoppeling is niet opgeslagen", {
        "about": "ff-about", "outcome_id": "ff-outcome", "recipient": "ff-recipient", "method": "ff-method",
        "at": "ff-at", "note": "ff-note"}),
    "assign": ("aanspreekpunt", "De coördinator is niet gewijzigd", {
        "user_id": "assign-user", "reason": "assign-reason", "reason_text": "assign-text"}),
    "propose": ("aanspreekpunt", "Het voorstel is niet doorgegeven", {
        "user_id": "propose-user", "reason": "propose-reason", "reason_text": "propose-text"}),
    "proposal": ("aanspreekpunt", "Het voorstel is niet afgehandeld", {}),
    "team": ("kernteam", "Het kernteam is niet bijgewerkt", {"user_id": "team-user", "case_role": "team-role"}),
    "preset": ("toestemming", "De toestemming is niet vastgelegd", {
        "preset": "preset", "method": "preset-method", "form_version": "preset-version"}),
    "consent": ("toestemming", "De toestemming is niet vastgelegd", {
        "recipient": "c-org", "organisation_id": "c-org", "domain": "c-domain", "purpose": "c-purpose",
        "given_at": "c-given", "valid_until": "c-until", "method": "c-method", "form_version": "c-version",
        "scan": "c-scan", "note": "c-version"}),
    "override": ("gegevens", "De afwijking van de doelgroep is niet vastgelegd", {"reason": "override-reason"}),
    "mdo": ("mdo", "Het gezin is niet aangemeld voor het MDO", {"question": "mdo-question"}),
    "glass": ("privacy", "De noodtoegang is niet geopend", {"reason": "bg-reason"}),
    "enote": ("privacy", "De noodnotitie is niet opgeslagen", {"category": "en-category", "text": "en-text"}),
    "exit": ("uitstroom", "De uitstroom is niet vastgelegd", {
        "reason": "exit-reason", "target": "exit-target", "target_name": "exit-name", "note": "exit-note"}),
    "knelpunt": ("uitstroom", "Het knelpunt is niet gemeld", {"kind": "kp-kind", "description": "kp-text"}),
    "area": ("lokaal-team", "De gemeente en wijk zijn niet opgeslagen", {"gemeente": "area-gemeente",
                                                                           "wijk": "area-wijk"}),
    "support": ("informele-steun", "De informele steun is niet opgeslagen", {
        "organisation_id": "sup-org", "kind": "sup-kind", "starts_on": "sup-start", "ends_on": "sup-end",
        "status": "sup-status"}),
    "contact": ("contactmomenten", "Het contactmoment is niet opgeslagen", {
        "contact_on": "contact-on", "kind": "contact-kind", "discipline": "contact-discipline"}),
}
# forms with one copy per row: the key carries the row's id
ROW_FORMS = {"withdraw": ("toestemming", "De toestemming is niet ingetrokken", {"reason": "withdraw-{n}"}),
             "update": ("informele-steun", "De stand van de informele steun is niet bijgewerkt", {
                 "status": "upd-status-{n}", "ends_on": "upd-end-{n}"}),
             "note": ("informele-steun", "De notitie is niet opgeslagen", {"text": "note-{n}"})}

_ROW = re.compile(r"^([a-z]+)(\d+)$")
_PARENT = re.compile(r"^parents\[(\d+)\]\.(\w+)$")
_CHILD = re.compile(r"^children\[(\d+)\]\.(\w+)$")
_ACTION = re.compile(r"^actions\[(\d+)\]\.(\w+)$")
NAW_IDS = {"birth_date": "birth", "preferred_language": "lang", "relationship_type": "rel",
           "interpreter_needed": "interp", "contact_secret": "secret"}


def _spec(form_key: str) -> tuple[str, str, dict[str, str]]:
    if form_key in FORMS:
        return FORMS[form_key]
    match = _ROW.match(form_key)
    if match and match.group(1) in ROW_FORMS:
        anchor, title, ids = ROW_FORMS[match.group(1)]
        return anchor, title, {path: fid.format(n=match.group(2)) for path, fid in ids.items()}
    return "", "Het formulier is niet opgeslagen", {}


def field_id(form_key: str, path: str, prefix: str | None = None) -> str:
    """The id of the field an error path names (the form's anchor when it names none)."""
    anchor, _, ids = _spec(form_key)
    if path in ids:
        return ids[path]
    if prefix and path != "_":
        return f"{prefix}{path}"
    for pattern, shape in ((_PARENT, "e-p{n1}-{key}"), (_CHILD, "{child}"), (_ACTION, "exit-a{n}-{key}")):
        match = pattern.match(path)
        if match:
            n, key = int(match.group(1)), match.group(2)
            if shape == "{child}":
                return f"s-{key}" if form_key == "sibling" else f"b{n}-{key}"
            return shape.format(n=n, n1=n + 1, key=NAW_IDS.get(key, key))
    return anchor or "inhoud"


# the free-text fields of the page's forms: kept at the top when the form itself is not shown
FREE_TEXT = ("text", "note-text", "description", "note", "reason_text", "question", "intake-report", "intake-plan",
             "intake-missed_text", "target_name")


def failure(form_key: str, errors: dict[str, str], *, prefix: str | None = None, typed: dict | None = None,
            shown: bool = True) -> dict:
    """What the page needs to show a refused form again: its anchor, the summary's title and the
    messages, each with the id of its field; for a form the reader cannot see (``shown`` False: a
    role refused), the text they typed, to copy."""
    anchor, title, _ = _spec(form_key)
    items = [{"id": field_id(form_key, path, prefix), "message": message} for path, message in errors.items()]
    kept = [typed[key] for key in FREE_TEXT if not shown and isinstance((typed or {}).get(key), str)
            and typed[key].strip()]
    return {"key": form_key, "anchor": anchor, "title": title, "items": items, "kept": kept}


def planned_intake(intakes: list[dict]) -> dict | None:
    """The intake still to be held (planned), else a held one still waiting for its outcome."""
    for intake in reversed(intakes):
        if intake.get("held_at") is None:
            return intake
    for intake in reversed(intakes):
        if intake.get("outcome") is None and intake.get("held_at") is not None:
            return intake
    return None


def local_minutes(value: datetime | None) -> datetime | None:
    """A stored moment as the form shows it: Europe/Amsterdam, to the minute, without zone."""
    if value is None:
        return None
    return clock.local(value).replace(second=0, microsecond=0, tzinfo=None)


class Echo:
    """What the family page's forms show again after one of them was refused: the typed values,
    the chosen and ticked options, the opened form and the messages next to the fields.

    Plain methods instead of Jinja macros: the page asks them about 300 times per render (every
    option of every pick list), and a macro call costs about ten times a method call. Each returns
    the HTML the macro it replaced rendered: values escaped, attributes with a leading space."""

    def __init__(self, forms: dict):
        self.forms = forms
        failed = forms.get("failed")
        self.failed_key = failed.get("key") if failed else None

    def _typed_values(self, key: str):
        values = self.forms.get(key)
        return values if self.failed_key == key and isinstance(values, Mapping) else None

    def typed(self, key: str, name: str, default="") -> Markup:
        values = self._typed_values(key)
        return escape(values.get(name, "") if values is not None else default)

    def chosen(self, key: str, name: str, code, default="") -> Markup:
        return _SELECTED if self.typed(key, name, default) == soft_str(code) else _EMPTY

    def ticked(self, key: str, name: str, code, default=False) -> Markup:
        values = self._typed_values(key)
        if values is None:
            return _CHECKED if default else _EMPTY
        value, code = values.get(name), soft_str(code)
        several = value is not None and not isinstance(value, str) and isinstance(value, Iterable)
        return _CHECKED if value == code or (several and code in value) else _EMPTY

    def opened(self, key: str) -> Markup:
        return _OPEN if self.failed_key is not None and self.failed_key == key else _EMPTY

    def _error(self, key: str, name: str):
        return (self.forms.get(f"{key}_errors") or {}).get(name)

    def ferr(self, key: str, name: str, fid: str) -> Markup:
        message = self._error(key, name)
        return Markup('<p class="error" id="{}-err">{}</p>').format(fid, message) if message else _EMPTY

    def finv(self, key: str, name: str, fid: str) -> Markup:
        return Markup(' aria-invalid="true" aria-describedby="{}-err"').format(fid) if self._error(key, name) else _EMPTY

    def fgeneral(self, key: str) -> Markup:
        message = self._error(key, "_") if self.failed_key is not None and self.failed_key == key else None
        return Markup('<p class="error">{}</p>').format(message) if message else _EMPTY


_EMPTY, _SELECTED, _CHECKED, _OPEN = Markup(""), Markup(" selected"), Markup(" checked"), Markup(" open")
