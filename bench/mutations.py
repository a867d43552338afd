#!/usr/bin/env python3
"""Hand mutation check (issue 16, five rows added by issue 17): 26 rules changed one at a time; a test must fail for each.

A hand mutation check had changed 21 rules one at a time and found 8 of them surviving, several
the whole non-browser suite. This script keeps that check repeatable: a table of 41 mutations,
each an exact snippet of the source and its replacement, applied one at a time with plain string
replacement; for each it runs pytest, records whether the mutation was killed (a test failed) or
survived, names the failing tests, restores the file and prints a markdown table.

    .venv/bin/python bench/mutations.py              # every mutation, whole non-browser suite (~45 min)
    .venv/bin/python bench/mutations.py --quick      # every mutation, only the tests named for it (~1 min)
    .venv/bin/python bench/mutations.py --only M05 --only M12
    .venv/bin/python bench/mutations.py --list       # the table; checks that every snippet is still found

The table breaks loudly when code moves: a snippet that is not found exactly once in its file is
refused (reported as `stale`, exit status 2) and nothing is changed; re-point that row at the
current code. The file is always restored (try/finally, also on Ctrl-C or SIGTERM) and compared
with the original afterwards. Bytecode is not written while a mutant is in place
(PYTHONDONTWRITEBYTECODE), so no mutated .pyc can outlive its run. Run it on a clean work tree
and never in parallel with other work on the same tree.

The 41 mutations
----------------
* M01-M07, the ones the issue names that survived: quorum ignoring the required roles; one export
  row not suppressed and the small-cell threshold off by one (both marked `repoint`: reporting is
  being rewritten for secondary suppression, re-point these two rows at the new code); the BSN
  shown to planners; a successful sign-in no longer resetting the failure count; the MDO
  attendee's read window widened 100x, once before the meeting and once after it (two rows: each
  bound has a test of its own).
* M08-M19, one per check that `igp.audit.services.verify_chain` makes, each removed on its own
  (`if <check>:` becomes `if False:`): witness file unreadable, witness line forged, sequence
  gap (deleted), link to the previous entry (reordered), content hash (edited / inserted),
  witness hash at a sequence number (rewritten), head missing, empty chain with no head but a
  witness (wiped), head seal, tail cut, sealed head against the entry it names, chain shorter
  than the witness saw (rolled back). Which of the two labels a check gives (edited or
  inserted; wiped or rolled back) is a classification inside a check, not a check of its own.
* M20-M21, two of the core process rules, chosen because this issue adds their pure tests: the
  family state machine refusing the exit of a family that already left, and the handover signal
  turning 'risico' with one working day left. The twelve audit checks leave no more room in 21;
  the consent decision has its own exhaustive matrix (tests/unit/test_consent_policy.py).
* M22-M23, issue 17: the handover context opened to anyone involved with a running handover (not
  only the coordinator and the acting substitute), and a preset storing its categories for a
  domain without intersecting them with what that domain's roles may see. M24-M26, issue 17: a
  prenatal consent covering the newborn, the age limit binding siblings and known children again,
  and the both-parents rule counting a parent without gezag. M27-M30, issue 18: the plan's referrals
  per status outside the suppression groups (their total then gives a hidden status away), siblings
  counted as births of the IGP, a volunteer reading the contact moments, and the MDO's referrals per
  type suppressed apart from the same cells by destination. M31, issue 21: a handover's step leaving
  its day in the dashboard's roll-up, so the dashboard shows the counts of before. M32: a search that
  found a family whose NAW is withheld costing more statements than one that found nothing. M33: the
  audit chain's head read without its row lock on PostgreSQL (needs IGP_TEST_DATABASE_URL). M34: an MDO
  attendee never marked present still reading the family after the meeting (the viewer's sets in one statement).
  M35: a list's parent names decrypted for every family read, also where the reader may not see the NAW.
  M36: the forgiving search's ranking in SQL without the reader's visibility.
  M37: the board's column totals counting only the cards shown.
  M38: the overdue MDO actions without the owner's own (only the coordinator's families).
  M39: the overdue MDO actions' total counting only the page. M40: the audit COPY without escaping
  (needs IGP_TEST_DATABASE_URL). M41: a list's consent categories taken from their JSON text undecoded.

Each row names the tests written to kill it (`--quick` runs only those, without xdist); the full
run uses the whole non-browser suite (`-m "not slow and not e2e"`, 2 xdist workers) so that the
table also shows which other tests notice.
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
FULL = ("-m", "not slow and not e2e")

GUARDS = "tests/integration/test_mutation_guards.py"
CHAIN = "tests/integration/test_audit_chain.py"
VERIFY = "igp/audit/services.py"


@dataclass(frozen=True)
class Mutation:
    id: str
    file: str
    original: str           # exact source snippet, found exactly once in `file`
    replacement: str
    description: str
    quick: tuple[str, ...]  # the tests written to kill it (pytest node ids)
    select: tuple[str, ...] = FULL  # what the full run runs
    repoint: bool = False   # the code is being rewritten: re-point this row at the new code


MUTATIONS: tuple[Mutation, ...] = (
    # ------------------------------------------------------------------ named by the issue
    Mutation(
        "M01", "igp/mdo/rules.py",
        "return QuorumResult(not missing_domains and not missing_roles, missing_domains, missing_roles)",
        "return QuorumResult(not missing_domains, missing_domains, missing_roles)",
        "MDO quorum ignores the required roles (domains alone decide)",
        ("tests/unit/test_quorum.py",)),
    Mutation(
        "M02", "igp/reporting/shown.py",
        '    lay.group(late, lay.breakdown("missed_term_reasons"), "missed_without_reason")',
        '    lay.group(late, [], "missed_without_reason")',
        "monitoring export: the rows 'termijn gemist, reden' are not suppressed (raw figures exported)",
        (f"{GUARDS}::test_no_count_below_the_threshold_is_exported",)),
    Mutation(
        "M03", "igp/reporting/rules.py",
        "return isinstance(value, int) and not isinstance(value, bool) and 0 < value < threshold",
        "return isinstance(value, int) and not isinstance(value, bool) and 0 < value < threshold - 1",
        "small-cell threshold off by one: a count of threshold-1 is shown as it is",
        (f"{GUARDS}::test_no_count_below_the_threshold_is_exported", "tests/unit/test_suppression.py")),
    Mutation(
        "M04", "igp/sharing/gateway.py",
        'BSN_ROLES = frozenset({"gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts", '
        '"jeugdverpleegkundige"})',
        'BSN_ROLES = frozenset({"gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts", '
        '"jeugdverpleegkundige", "planner"})',
        "the BSN is shown to planners (and planners may search by BSN)",
        (f"{GUARDS}::test_a_planner_never_sees_the_bsn_in_the_api",
         f"{GUARDS}::test_a_planner_never_sees_the_bsn_on_the_family_pages",
         f"{GUARDS}::test_a_planner_cannot_find_a_family_by_bsn")),
    Mutation(
        "M05", "igp/auth/services.py",
        "        row.failures = 0\n        row.blocked_until = None",
        "        row.blocked_until = None",
        "a successful sign-in no longer resets the failure count of the back-off",
        (f"{GUARDS}::test_a_successful_sign_in_resets_the_failure_count",)),
    Mutation(
        "M06", "igp/sharing/involvement.py",
        "ATTENDEE_READ_BEFORE = timedelta(days=14)",
        "ATTENDEE_READ_BEFORE = timedelta(days=1400)",
        "MDO attendee may read the family 1400 instead of 14 days before the meeting",
        (f"{GUARDS}::test_an_attendee_reads_from_14_days_before_the_meeting_not_earlier",)),
    Mutation(
        "M07", "igp/sharing/involvement.py",
        "ATTENDEE_READ_AFTER = timedelta(days=30)",
        "ATTENDEE_READ_AFTER = timedelta(days=3000)",
        "MDO attendee may read the family 3000 instead of 30 days after the meeting",
        (f"{GUARDS}::test_an_attendee_reads_until_30_days_after_the_meeting_not_later",)),
    # ------------------------------------------------------------------ each check of verify_chain removed
    Mutation(
        "M08", VERIFY, "if seen is not None and seen.unreadable:", "if False:",
        "audit verify: an unreadable witness file is not reported",
        (f"{CHAIN}::test_verify_reports_an_unreadable_witness",)),
    Mutation(
        "M09", VERIFY, "if seen is not None and seen.forged:", "if False:",
        "audit verify: a witness line with a wrong signature is not reported",
        (f"{CHAIN}::test_verify_reports_a_witness_line_with_a_wrong_signature",)),
    Mutation(
        "M10", VERIFY, "if entry.seq != self.expected_seq:", "if False:",
        "audit verify: a gap in the sequence numbers (deleted rows) is not checked",
        (f"{CHAIN}::test_verify_reports_a_deleted_row_as_deleted",)),
    Mutation(
        "M11", VERIFY, "if entry.prev_hash != self.prev:", "if False:",
        "audit verify: the link to the previous entry is not checked",
        (f"{CHAIN}::test_verify_reports_swapped_rows_as_a_broken_link",)),
    Mutation(
        "M12", VERIFY, "if not hmac.compare_digest(entry_hash({f: getattr(entry, f) for f in HASHED_FIELDS}, self.key),\n"
        "                                   entry.entry_hash):", "if False:",
        "audit verify: an entry's content is not checked against its hash",
        (f"{CHAIN}::test_verify_reports_a_changed_row_as_edited",
         f"{CHAIN}::test_verify_reports_a_forged_row_beyond_the_head_as_inserted")),
    Mutation(
        "M13", VERIFY,
        "if seen_head is not None and not hmac.compare_digest(seen_head.hash, entry.entry_hash):", "if False:",
        "audit verify: an entry is not compared with the hash the witness saw",
        (f"{CHAIN}::test_verify_reports_a_row_that_differs_from_what_the_witness_saw",)),
    Mutation(
        "M14", VERIFY, 'if checked:\n            return _broken("head_missing"',
        'if False:\n            return _broken("head_missing"',
        "audit verify: entries without a chain head are not reported",
        (f"{CHAIN}::test_verify_reports_a_missing_head",)),
    Mutation(
        "M15", VERIFY, "if latest is not None and latest.seq > 0:", "if False:",
        "audit verify: an empty chain without head is not compared with the witness (wipe)",
        (f"{CHAIN}::test_verify_reports_a_wipe_of_entries_and_head",)),
    Mutation(
        "M16", VERIFY, "if not hmac.compare_digest(head_seal(head.last_seq, head.last_hash, key), head.seal):",
        "if False:",
        "audit verify: the chain head's seal is not checked",
        (f"{CHAIN}::test_verify_reports_an_edited_head_by_its_seal",)),
    Mutation(
        "M17", VERIFY, "if checked < head.last_seq:", "if False:",
        "audit verify: fewer entries than the head says (tail cut) is not checked",
        (f"{CHAIN}::test_verify_reports_a_cut_tail",)),
    Mutation(
        "M18", VERIFY, "if head.last_seq and _hash_at(session, head.last_seq) != head.last_hash:", "if False:",
        "audit verify: the sealed head is not compared with the entry it names",
        (f"{CHAIN}::test_verify_reports_a_sealed_head_that_belongs_to_another_chain",)),
    Mutation(
        "M19", VERIFY, "if latest is not None and checked < latest.seq:", "if False:",
        "audit verify: a chain shorter than the witness saw (rolled back) is not reported",
        (f"{CHAIN}::test_verify_reports_a_chain_shorter_than_the_witness_saw_as_rolled_back",
         f"{CHAIN}::test_verify_reports_a_wipe_behind_a_resealed_empty_head")),
    # ------------------------------------------------------------------ core process rules
    Mutation(
        "M20", "igp/families/rules.py",
        'REFUSED_UNLESS_LISTED = frozenset({"uitstroom"})',
        "REFUSED_UNLESS_LISTED = frozenset()",
        "family state machine: the exit of a family that already left is silently accepted",
        ("tests/unit/test_family_state_machine.py",)),
    Mutation(
        "M21", "igp/handover/rules.py",
        "if workdays_between(today, deadline, calendar) <= risk_workdays:",
        "if workdays_between(today, deadline, calendar) < risk_workdays:",
        "handover signal: one working day left is 'op_schema' instead of 'risico'",
        ("tests/unit/test_signals.py",)),
    Mutation(
        "M22", "consent/policy.py",
        "return family.handover and bool(family.involvement & HANDOVER_KINDS)",
        "return family.handover",
        "handover context: a warme_overdracht consent opens to anyone involved, not only the coordinator/substitute",
        ("tests/unit/test_consent_purpose_binding.py",)),
    Mutation(
        "M23", "consent/presets.py",
        "visible = asked & domain_categories(domain, table)",
        "visible = asked",
        "presets: a domain is asked for categories none of its roles may see (kernteam: medical history to sociaal)",
        ("tests/unit/test_consent_purpose_binding.py", "tests/web/test_consent_by_coordinator.py")),
    Mutation(
        "M24", "igp/sharing/gateway.py",
        "c.birth_date is not None and (latest is None or c.birth_date > latest)",
        "False",
        "consent for the child: a consent given before the birth silently covers the newborn",
        ("tests/integration/test_family_course.py",)),
    Mutation(
        "M25", "igp/families/rules.py",
        "elif birth and redated and not child.sibling and add_months(birth, age_limit_months) <= today:",
        "elif birth and add_months(birth, age_limit_months) <= today:",
        "siblings: the age limit binds every child again (a 3-year-old sister refused, old children block a baby)",
        ("tests/integration/test_family_course.py", "tests/unit/test_signals.py")),
    Mutation(
        "M26", "igp/families/rules.py",
        "    with_gezag = frozenset(p.id for p in parents if p.gezag == \"ja\")",
        "    with_gezag = frozenset()",
        "gezag: where both parents must consent, a parent without gezag counts again",
        ("tests/integration/test_family_course.py",)),
    Mutation(
        "M27", "igp/reporting/shown.py",
        '    lay.group((*base, "per_source", "plan"), lay.breakdown(*base, "plan_by_status"))',
        '    lay.breakdown(*base, "plan_by_status")',
        "monitoring: the plan's referrals per status suppressed on their own (the shown total tells a hidden one)",
        ("tests/integration/test_monitoring.py",)),
    Mutation(
        "M28", "igp/families/outcomes.py",
        "        if child.sibling or child.birth_date is None:",
        "        if child.birth_date is None:",
        "monitoring: a sibling counted as a birth of the IGP (prematurity and birth weight figures)",
        ("tests/integration/test_monitoring.py", "tests/integration/test_cli.py")),
    Mutation(
        "M29", "igp/contacts/rules.py",
        "    return not frozenset(roles) <= {VOLUNTEER_ROLE}",
        "    return True",
        "contact moments: the volunteer sees which disciplines saw the family",
        ("tests/integration/test_contacts.py", "tests/web/test_contact_moments.py")),
    Mutation(
        "M30", "igp/reporting/shown.py",
        '    f["onward_referrals"] = {code: by_destination[code]["mdo"] for code in REFERRAL_TYPES}\n',
        "",
        "monitoring: the MDO's referrals per type shown raw beside the suppressed cells by destination",
        ("tests/integration/test_monitoring.py",)),
    Mutation(
        "M31", "igp/reporting/rollup.py",
        "    elif isinstance(obj, Handover) and _changed(obj, HANDOVER_FIELDS):",
        "    elif False:",
        "dashboard roll-up (issue 21): a handover's step does not take its day out of the roll-up (stale figures)",
        ("tests/integration/test_report_rollup.py",)),
    Mutation(
        "M32", "igp/sharing/listed.py",
        "    rows = db.session.execute(stmt).all()\n",
        "    rows = db.session.execute(stmt).all()\n    if not rows:\n        return []\n",
        "explicit loading (issue 21): a search that found a family whose NAW is withheld runs more statements "
        "than one that found nothing (a timing oracle)",
        ("tests/integration/test_review15_timing.py",)),
    Mutation(
        "M33", "igp/audit/services.py",
        "    head = _read_head(session, for_update=postgres)",
        "    head = _read_head(session, for_update=False)",
        "audit without the per-row cost (issue 21): the chain's head read without its row lock, so two "
        "appenders continue from the same head and the chain forks (PostgreSQL only: run with "
        "IGP_TEST_DATABASE_URL set, else its test is skipped and the mutation survives)",
        ("tests/integration/test_audit_head_lock.py",)),
    Mutation(
        "M34", "igp/sharing/involvement.py",
        "    return not (ended and status not in PRESENT)  # once over: only if marked present",
        "    return True",
        "the viewer's sets in one statement (issue 21): an MDO attendee never marked present reads the family "
        "on after the meeting",
        ("tests/integration/test_viewer_sets.py",)),
    Mutation(
        "M35", "igp/sharing/listed.py",
        "    return [_listed(row, parents[row.id], referrals[row.id]) for row in rows]",
        "    return [_listed(row, parents[row.id], referrals[row.id]) for row in rows "
        "if [p.name for p in parents[row.id]] is not None]",
        "a list's families as plain rows (issue 21): every parent's name decrypted when the list is read, "
        "also for a reader who may not see the NAW",
        ("tests/integration/test_listed_families.py",)),
    Mutation(
        "M36", "igp/families/search_index.py",
        "    stmt = (select(ranked.c.family_id).join(Family, Family.id == ranked.c.family_id).where(visible)",
        "    stmt = (select(ranked.c.family_id).join(Family, Family.id == ranked.c.family_id)",
        "the forgiving search ranked by the database (issue 21): the families the reader may not see ranked "
        "and counted along",
        ("tests/integration/test_forgiving_search.py",)),
    Mutation(
        "M37", "igp/handover/services.py",
        '                         func.count().over(partition_by=c.status).label("total"))',
        '                         func.row_number().over(partition_by=c.status, order_by=_board_order(c)).label("total"))',
        "the board's cards picked and counted by the database (issue 21): a column's total counts only the cards "
        "shown (\"10 van 10\" for a column of 57)",
        ("tests/integration/test_handover.py",)),
    Mutation(
        "M38", "igp/mdo/services.py",
        "    return (MdoAction.id.in_(union(owned, coordinated)), gateway.visibility_clause(user))",
        "    return (MdoAction.id.in_(coordinated), gateway.visibility_clause(user))",
        "overdue MDO actions found by owner and by coordinator, each by its index (issue 21): the owner of an "
        "action on a family she does not coordinate gets no signal",
        ("tests/integration/test_mdo.py",)),
    Mutation(
        "M39", "igp/mdo/services.py",
        "        return views, rows[0][7]",
        "        return views, len(rows)",
        "overdue MDO actions and their total in one statement (issue 21): Signalen says \"1 van 1\" on the first "
        "page of 2 and pages no further",
        ("tests/integration/test_mdo.py",)),
    Mutation(
        "M40", "igp/audit/services.py",
        "                copy.write_row(row)",
        '                copy.write("\\t".join("\\\\N" if v is None else str(v) for v in row) + "\\n")',
        "the audit entries written with one COPY (issue 21): a tab, newline or backslash in an entry is not "
        "escaped, the entry is stored other than it was hashed or the write fails (PostgreSQL only)",
        ("tests/integration/test_audit_chain.py",)),
    Mutation(
        "M41", "igp/sharing/gateway.py",
        "        return _decoded(value)",
        "        return tuple(value)",
        "a list's consents read as JSON text (issue 21): the text taken as the list, every consent grants "
        "nothing that a list, search or MDO agenda decides on",
        ("tests/integration/test_consent_gateway.py",)),
)


@dataclass
class Outcome:
    mutation: Mutation
    status: str                      # killed, survived, stale, error
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    note: str = ""


# ------------------------------------------------------------------ applying one mutation

class Stale(Exception):
    """The snippet is not found exactly once: the table no longer fits the code."""


def occurrences(mutation: Mutation) -> int:
    return (ROOT / mutation.file).read_text(encoding="utf-8").count(mutation.original)


def check(mutation: Mutation) -> None:
    path = ROOT / mutation.file
    if not path.is_file():
        raise Stale(f"{mutation.file} does not exist")
    found = occurrences(mutation)
    if found != 1:
        raise Stale(f"snippet found {found} times in {mutation.file} (must be exactly once): "
                    f"{mutation.original!r}")


class _Terminated(BaseException):
    pass


def _on_sigterm(signum, frame):
    raise _Terminated()


def pytest_command(mutation: Mutation, quick: bool, workers: int) -> list[str]:
    base = [str(PYTHON), "-m", "pytest", "-q", "--tb=no", "-rfE", "-p", "no:cacheprovider"]
    if quick:
        return [*base, "-p", "no:xdist", *mutation.quick]
    parallel = ["-n", str(workers)] if workers > 1 else ["-p", "no:xdist"]
    return [*base, *parallel, *mutation.select]


_FAILED_RE = re.compile(r"^(FAILED|ERROR) (.+?)(?: - .*)?$")   # parametrize ids may hold spaces


def failing_tests(output: str) -> list[str]:
    found = []
    for line in output.splitlines():
        match = _FAILED_RE.match(line)
        if match and match[2] not in found:
            found.append(match[2])
    return found


def _pytest(command: list[str], env: dict, timeout: int) -> tuple[int, str]:
    """Run pytest in a process group of its own; whatever happens here (timeout, Ctrl-C,
    SIGTERM), the group (pytest and its xdist workers) is ended before the file is restored."""
    process = subprocess.Popen(command, cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
        return process.returncode, output
    except BaseException:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
        raise


def run_one(mutation: Mutation, *, quick: bool, workers: int, timeout: int) -> Outcome:
    try:
        check(mutation)
    except Stale as exc:
        return Outcome(mutation, "stale", note=str(exc))
    path = ROOT / mutation.file
    original = path.read_bytes()
    text = original.decode("utf-8")
    mutated = text.replace(mutation.original, mutation.replacement, 1)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    started = time.monotonic()
    try:
        path.write_text(mutated, encoding="utf-8")
        try:
            returncode, output = _pytest(pytest_command(mutation, quick, workers), env, timeout)
        except subprocess.TimeoutExpired:
            return Outcome(mutation, "killed", seconds=time.monotonic() - started, note=f"timeout after {timeout} s")
    finally:
        path.write_bytes(original)
        if path.read_bytes() != original:  # pragma: no cover - would mean the disk lies
            raise SystemExit(f"could not restore {mutation.file}: restore it with git checkout")
    seconds = time.monotonic() - started
    failed = failing_tests(output)
    if returncode == 0:
        return Outcome(mutation, "survived", seconds=seconds)
    if returncode == 1:
        return Outcome(mutation, "killed", failed, seconds)
    tail = output.strip().splitlines()[-1:] or [""]
    if returncode == 5:
        return Outcome(mutation, "error", failed, seconds, "no tests collected: " + tail[0])
    # 2: interrupted (e.g. collection errors: the mutant does not import), 3/4: pytest itself
    return Outcome(mutation, "killed" if failed else "error", failed, seconds,
                   f"pytest exit status {returncode}: {tail[0]}")


# ------------------------------------------------------------------ reporting

def _short(node: str) -> str:
    return node.replace("tests/integration/", "").replace("tests/unit/", "").replace("tests/web/", "web/")


def markdown(outcomes: list[Outcome], *, quick: bool, max_names: int = 6) -> str:
    what = "only the tests named for each mutation" if quick else 'the non-browser suite (-m "not slow and not e2e")'
    lines = [f"Mutations run against {what}.", "",
             "| id | file | mutation | result | failing tests |", "|---|---|---|---|---|"]
    for o in outcomes:
        m = o.mutation
        names = [_short(n) for n in o.failed]
        shown = ", ".join(f"`{n}`" for n in names[:max_names])
        if len(names) > max_names:
            shown += f" and {len(names) - max_names} more"
        if o.note:
            shown = (shown + "; " if shown else "") + o.note
        description = m.description + (" *(repoint)*" if m.repoint else "")
        result = o.status if not o.failed else f"{o.status} ({len(o.failed)})"
        lines.append(f"| {m.id} | `{m.file}` | {description} | {result} | {shown} |")
    killed = sum(o.status == "killed" for o in outcomes)
    lines += ["", f"{killed} of {len(outcomes)} killed."]
    return "\n".join(lines)


def listing() -> tuple[str, bool]:
    lines = ["| id | file | mutation | snippet | tests named |", "|---|---|---|---|---|"]
    ok = True
    for m in MUTATIONS:
        try:
            check(m)
            state = "found once"
        except Stale as exc:
            state, ok = f"STALE: {exc}", False
        description = m.description + (" *(repoint)*" if m.repoint else "")
        named = ", ".join(f"`{_short(t)}`" for t in m.quick)
        lines.append(f"| {m.id} | `{m.file}` | {description} | {state} | {named} |")
    return "\n".join(lines), ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--list", action="store_true", help="print the table and check every snippet; run nothing")
    parser.add_argument("--only", action="append", metavar="ID", help="run this mutation only (repeatable)")
    parser.add_argument("--quick", action="store_true", help="run only the tests named for each mutation")
    parser.add_argument("--workers", type=int, default=2, help="xdist workers of the full run (default 2)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per pytest run (default 1800)")
    parser.add_argument("--output", type=Path, help="also write the markdown table to this file")
    args = parser.parse_args(argv)

    ids = [m.id for m in MUTATIONS]
    assert len(ids) == 41 and len(set(ids)) == 41, "the table holds exactly 41 mutations with distinct ids"
    if args.list:
        table, ok = listing()
        print(table)
        return 0 if ok else 2
    chosen = list(MUTATIONS)
    if args.only:
        wanted = {i.strip().upper() for group in args.only for i in group.split(",") if i.strip()}
        unknown = wanted - set(ids)
        if unknown:
            parser.error(f"unknown mutation id(s): {', '.join(sorted(unknown))}")
        chosen = [m for m in MUTATIONS if m.id in wanted]
    if not PYTHON.exists():
        parser.error(f"{PYTHON} is missing: run ./test.sh --fast tests/unit first")

    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    outcomes: list[Outcome] = []
    try:
        for m in chosen:
            print(f"{m.id} {m.description} ...", file=sys.stderr, flush=True)
            outcome = run_one(m, quick=args.quick, workers=args.workers, timeout=args.timeout)
            print(f"{m.id} {outcome.status} in {outcome.seconds:.0f} s"
                  + (f": {', '.join(outcome.failed[:3])}" if outcome.failed else "")
                  + (f" ({outcome.note})" if outcome.note else ""), file=sys.stderr, flush=True)
            outcomes.append(outcome)
    except (KeyboardInterrupt, _Terminated):
        print("interrupted: the file of the running mutation was restored", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    table = markdown(outcomes, quick=args.quick)
    print(table)
    if args.output:
        args.output.write_text(table + "\n", encoding="utf-8")
    if any(o.status == "stale" for o in outcomes):
        return 2
    return 0 if all(o.status == "killed" for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
