"""The shown figures as labelled sections: the one list the CSV export, the printable report and
the dashboard's monitoring part (guide §7.2) render. Dutch labels, every code named by its label;
the values are those of `shown.shown_figures` (suppressed), nothing is computed here.

A section has one or more value columns; a row is (label, values, code). The CSV flattens a
row of several columns into one line per column ("GGZ, vanuit het MDO"); `code` (in the CSV's
last column) is the stable key for whoever reads the CSV by machine."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from igp.contacts.rules import DISCIPLINES
from igp.contacts.rules import KINDS as CONTACT_KINDS
from igp.coordination.rules import EXIT_REASONS, KNELPUNT_KINDS
from igp.families.rules import ADMISSION_CLASSES, GESTATION_CLASSES, REFERRER_TYPES, WEIGHT_CLASSES
from igp.handover.rules import MISSED_REASONS, SIGNALS
from igp.plan.rules import REFERRAL_STATUSES
from igp.reporting.shown import DESTINATIONS, SCORES, SOURCES
from igp.support.rules import KINDS as SUPPORT_KINDS

COUNT = ("Aantal",)
MDO_LABELS = {
    "meetings_held": "MDO's gehouden", "families_discussed": "Gezinnen besproken",
    "items_not_discussed": "Geagendeerd maar niet besproken", "outcomes_with_quorum": "Uitkomsten met quorum",
    "outcomes_without_quorum": "Uitkomsten zonder quorum", "actions": "Acties afgesproken",
    "actions_open": "Acties open", "actions_overdue": "Acties open en over de datum", "actions_done": "Acties gedaan",
    "actions_done_on_time": "Acties op tijd gedaan", "actions_dropped": "Acties vervallen",
}
FUNNEL_LABELS = {"aangemeld": "Overdracht gestart (aangemeld)", "contact": "Contact gelegd",
                 "intake_gepland": "Intake gepland", "intake_gehouden": "Intake gehouden"}


@dataclass
class Section:
    """One table of the report (and of the CSV)."""

    key: str
    title: str
    rows: list[tuple[str, tuple, str]]
    columns: tuple[str, ...] = COUNT
    column_codes: tuple[str, ...] = ()   # the columns' keys in the CSV's code (several columns only)
    chart: str | None = None      # a bar chart of the first column of the rows whose code starts with this
    note: str | None = None
    extra: dict = field(default_factory=dict)


def _rows(prefix: str, labels: dict, values: dict) -> list[tuple[str, tuple, str]]:
    return [(label, (values[code],), f"{prefix}.{code}") for code, label in labels.items()]


def _nl(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d-%m-%Y")


def _intake_sections(f: dict, poli_names: dict[str, str]) -> list[Section]:
    period = f["period"]
    return [
        Section("periode", "Periode", [
            ("Van", (_nl(period["from"]),), "period.from"), ("Tot en met", (_nl(period["to"]),), "period.to"),
            ("Poli", (poli_names.get(period["poli"], period["poli"]) if period["poli"] else "Alle poli's",),
             "period.poli")], columns=("Waarde",)),
        Section("aanmeldingen", "Aanmeldingen", [
            ("Totaal", (f["referrals"],), "referrals"), ("Binnen de doelgroep", (f["eligible"],), "eligible"),
            ("Buiten de doelgroep", (f["not_eligible"],), "not_eligible"),
            ("Buiten de doelgroep, toch opgenomen na professionele afweging", (f["not_eligible_admitted"],),
             "not_eligible_admitted")]),
        Section("per_poli", "Aanmeldingen per poli",
                [(poli_names.get(code, code), (n,), f"by_poli.{code}") for code, n in sorted(f["by_poli"].items())],
                chart="by_poli."),
        Section("per_verwijzer", "Aanmeldingen per verwijzer", _rows("by_referrer_type", REFERRER_TYPES,
                                                                     f["by_referrer_type"]), chart="by_referrer_type."),
        Section("per_periode", f"Aanmeldingen per {f['series_unit']}",
                [(label, (n,), f"series.{label}") for label, n in f["series"]]),
    ]


def _handover_sections(f: dict) -> list[Section]:
    rows = _rows("funnel", FUNNEL_LABELS, f["funnel"]) + [
        ("Intake binnen de termijn (5 werkdagen)", (f["intake_within_term"],), "intake_within_term"),
        ("Mediaan werkdagen tot intake", (f["median_workdays_to_intake"],), "median_workdays_to_intake"),
        ("90e percentiel werkdagen tot intake", (f["p90_workdays_to_intake"],), "p90_workdays_to_intake"),
        ("Schriftelijke overdracht volstond", (f["written_referral_sufficed"],), "written_referral_sufficed"),
        ("Afgerond met terugkoppeling aan de verwijzer", (f["completed_with_feedback"],), "completed_with_feedback")]
    caseload = f["caseload"]
    return [
        Section("overdracht", "Warme overdracht (gestart in de periode)", rows),
        Section("termijn_gemist", "Waarom de termijn gemist werd",
                _rows("missed_term_reasons", MISSED_REASONS, f["missed_term_reasons"]),
                chart="missed_term_reasons."),
        Section("open_overdrachten", "Open overdrachten nu", _rows("open_handovers", SIGNALS, f["open_handovers"])),
        Section("caseload", "Caseload (actieve gezinnen, nu)", [
            ("Actieve gezinnen", (caseload["active_families"],), "caseload.active_families"),
            ("Gezinnen zonder aanspreekpunt", (caseload["without_contact"],), "caseload.without_contact"),
            *[(f"Coördinator {name}", (n,), f"caseload.per_coordinator.{i}")
              for i, (name, n) in enumerate(caseload["per_coordinator"])]]),
        Section("mdo", "MDO", _rows("mdo", MDO_LABELS, f["mdo"])),
    ]


def _referral_sections(f: dict) -> list[Section]:
    r = f["referrals_by_destination"]
    columns = ("Totaal", *SOURCES.values())
    rows = [(label, (r["by_destination"][code]["totaal"], *(r["by_destination"][code][s] for s in SOURCES)),
             f"referrals_by_destination.{code}") for code, label in DESTINATIONS.items()]
    rows.append(("Alle bestemmingen", ("", *(r["per_source"][s] for s in SOURCES)), "referrals_by_destination.all"))
    return [
        Section("doorverwijzingen", "Doorverwijzingen per bestemming", rows, columns=columns,
                column_codes=("totaal", *SOURCES), chart="referrals_by_destination.",
                note="Alle bestemmingen per bron; het totaal over de bronnen staat per bestemming."),
        Section("doorverwijzingen_plan", "Doorverwijzingen vanuit het gezinsplan, per status",
                _rows("referrals_by_destination.plan_by_status", REFERRAL_STATUSES, r["plan_by_status"])),
    ]


def _monitoring_sections(f: dict) -> list[Section]:
    support, contacts, births = f["informal_support"], f["contacts"], f["birth_outcomes"]
    return [
        Section("informele_steun", "Informele steun (gestart in de periode)",
                [("Totaal", (support["started"],), "informal_support.started"),
                 *_rows("informal_support.by_kind", SUPPORT_KINDS, support["by_kind"])]),
        Section("contactmomenten", "Contactmomenten per discipline",
                [("Totaal", (contacts["contacts"],), "contacts.contacts"),
                 ("Gezinnen met een contactmoment", (contacts["families"],), "contacts.families"),
                 *_rows("contacts.by_discipline", DISCIPLINES, contacts["by_discipline"])],
                chart="contacts.by_discipline."),
        Section("contact_soort", "Contactmomenten per soort contact",
                _rows("contacts.by_kind", CONTACT_KINDS, contacts["by_kind"])),
        Section("geboorte", "Uitkomsten bij de geboorte (kinderen geboren in de maanden van de periode)",
                [("Geboren kinderen", (births["births"],), "birth_outcomes.births"),
                 *_rows("birth_outcomes.by_gestation", GESTATION_CLASSES, births["by_gestation"]),
                 *_rows("birth_outcomes.by_weight", WEIGHT_CLASSES, births["by_weight"]),
                 *_rows("birth_outcomes.by_admission", ADMISSION_CLASSES, births["by_admission"])]),
    ]


def _experience(key: str, title: str, e: dict) -> Section:
    rows = [(f"Score {s}", (e["by_score"][s],), f"{key}.score_{s}") for s in SCORES]
    rows += [("Antwoorden", (e["responses"],), f"{key}.responses"), ("Gemiddelde score", (e["mean"],), f"{key}.mean")]
    return Section(key, title, rows)


def _closing_sections(f: dict) -> list[Section]:
    exits, knelpunten = f["exits"], f["knelpunten"]
    return [
        Section("uitstroom", "Uitstroom per reden", [
            ("Totaal", (exits["exits"],), "exits.exits"),
            *_rows("exits.by_reason", EXIT_REASONS, exits["by_reason"]),
            ("Mediaan dagen in de IGP", (exits["median_days_in_igp"],), "exits.median_days_in_igp"),
            ("90e percentiel dagen in de IGP", (exits["p90_days_in_igp"],), "exits.p90_days_in_igp")]),
        Section("knelpunten", "Knelpunten (gemeld in de periode)", [
            ("Gemeld", (knelpunten["raised"],), "knelpunten.raised"), ("Open", (knelpunten["open"],), "knelpunten.open"),
            ("Gesloten", (knelpunten["closed"],), "knelpunten.closed"),
            *_rows("knelpunten.by_kind", KNELPUNT_KINDS, knelpunten["by_kind"])]),
        _experience("experience", "Ervaring van gezinnen (anoniem)", f["experience"]),
        _experience("experience_professionals", "Ervaring van professionals (anoniem)", f["experience_professionals"]),
    ]


def gemeente_section(gemeenten: list[dict]) -> Section:
    return Section("gemeenten", "Per gemeente", [
        (g["name"], (g["referrals"], g["exits"], g["active"]), f"gemeente.{g['code']}") for g in gemeenten],
        columns=("Aanmeldingen", "Uitgestroomd", "Actief (nu)"), column_codes=("referrals", "exits", "active"))


def sections(f: dict, poli_names: dict[str, str], gemeenten: list[dict]) -> list[Section]:
    """Every section of the shown figures `f` (and the shown figures per gemeente), in report order."""
    return [*_intake_sections(f, poli_names), *_handover_sections(f), *_referral_sections(f),
            *_monitoring_sections(f), *_closing_sections(f), gemeente_section(gemeenten)]


def flat_rows(all_sections: list[Section]) -> list[tuple[str, str, object, str]]:
    """(onderdeel, maat, waarde, code): the CSV's lines, one per value."""
    rows = []
    for section in all_sections:
        for label, values, code in section.rows:
            if len(section.columns) == 1:
                rows.append((section.title, label, values[0], code))
                continue
            rows += [(section.title, f"{label}, {column.lower()}", value, f"{code}.{key}")
                     for column, key, value in zip(section.columns, section.column_codes, values) if value != ""]
    return rows
