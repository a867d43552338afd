"""Command line: the stable way to set up and run a deployment (cron, scripts, tests).

    flask --app igp db upgrade
    flask --app igp org create --name NAME --domain DOMAIN
    flask --app igp poli create --code CODE --name NAME [--term N] [--second-line]
    flask --app igp user create --username U --name "Full Name" --org NAME --role ROLE [--role ROLE2]
                                --password-stdin [--totp-secret BASE32]
    flask --app igp demo
    flask --app igp audit verify [--witness COPY]
    flask --app igp audit witness [--restored REASON]
    flask --app igp keys rotate

Every command runs in one transaction with its audit entries; an error prints one line
('Fout: ...') and exits with code 1, leaving nothing half-written.
"""
from __future__ import annotations

import functools
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from consent import DOMAINS, ROLES
from igp.errors import ServiceError, ValidationError
from igp.extensions import db


def fail(message: str) -> None:
    click.echo(f"Fout: {message}", err=True)
    sys.exit(1)


def transactional(func):
    """Run a command in one transaction; print a one-line error and exit 1 on bad input."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from igp.schema import schema_state

        if func.__name__ != "upgrade" and schema_state() != "current":
            fail("de database is niet bijgewerkt; voer eerst 'flask --app igp db upgrade' uit.")
        try:
            result = func(*args, **kwargs)
            db.session.commit()
            return result
        except ValidationError as exc:
            db.session.rollback()
            fail(exc.describe())
        except ServiceError as exc:
            db.session.rollback()
            fail(exc.message)
        except SQLAlchemyError as exc:
            db.session.rollback()
            fail(f"databasefout ({type(exc).__name__}); er is niets gewijzigd.")

    return wrapper


org_cli = AppGroup("org", help="Organisations of the IGP network.")
poli_cli = AppGroup("poli", help="Poli's of this IGP.")
user_cli = AppGroup("user", help="User accounts.")
audit_cli = AppGroup("audit", help="The audit log.")
keys_cli = AppGroup("keys", help="Encryption keys.")


@org_cli.command("create")
@click.option("--name", required=True, help="Organisation name, unique.")
@click.option("--domain", required=True, help=f"One of: {', '.join(DOMAINS)}.")
@transactional
def org_create(name: str, domain: str):
    """Create an organisation and print its id."""
    from igp.auth.services import create_organisation

    org = create_organisation(name, domain)
    click.echo(org.id)


@org_cli.command("list")
@transactional
def org_list():
    """List organisations: id, domain, name."""
    from sqlalchemy import select

    from igp.auth.models import Organisation

    for org in db.session.scalars(select(Organisation).order_by(Organisation.id)):
        click.echo(f"{org.id}\t{org.domain}\t{org.name}")


@poli_cli.command("create")
@click.option("--code", required=True, help="Short code, e.g. pop, mamaplus.")
@click.option("--name", required=True, help="Name shown in the interface.")
@click.option("--term", type=int, default=None, help="Handover term in working days (default: the IGP's).")
@click.option("--second-line", is_flag=True, default=False,
              help="A poli of the hospital (tweedelijns zorg): families seen there meet the care condition.")
@transactional
def poli_create(code: str, name: str, term: int | None, second_line: bool):
    """Create a poli and print its id."""
    from igp.admin.services import create_poli

    poli = create_poli(code, name, term, second_line=second_line)
    click.echo(poli.id)


@poli_cli.command("list")
@transactional
def poli_list():
    """List poli's: id, code, name."""
    from igp.admin.services import list_polis

    for poli in list_polis(active_only=False):
        click.echo(f"{poli.id}\t{poli.code}\t{poli.name}")


@user_cli.command("create")
@click.option("--username", required=True)
@click.option("--name", "full_name", required=True, help="Full name.")
@click.option("--org", required=True, help="Organisation name or id.")
@click.option("--role", "roles", multiple=True, required=True, help=f"Repeatable. One of: {', '.join(ROLES)}.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (required).")
@click.option("--totp-secret", default=None, help="Base32 TOTP secret to enrol (otherwise enrolled at first sign-in).")
@click.option("--email", default=None)
@click.option("--phone", default=None)
@click.option("--skj", is_flag=True, help="SKJ-registered professional.")
@transactional
def user_create(username, full_name, org, roles, password_stdin, totp_secret, email, phone, skj):
    """Create a user and print the new id. The password is read from standard input."""
    from igp.auth.services import create_user

    if not password_stdin:
        raise ValidationError({"password": "geef --password-stdin en het wachtwoord op standaardinvoer "
                                           "(nooit als argument: dat komt in de shellgeschiedenis)."})
    password = sys.stdin.readline().rstrip("\r\n")
    user = create_user(username=username, name=full_name, organisation=org, roles=list(roles),
                       password=password, totp_secret=totp_secret, email=email, phone=phone,
                       skj_registered=skj)
    click.echo(user.id)


@audit_cli.command("verify")
@click.option("--witness", "witnesses", multiple=True, type=click.Path(dir_okay=False),
              help="A witness file to check against besides IGP_AUDIT_WITNESS (a copy from the log server); "
                   "may be given more than once.")
def audit_verify(witnesses):
    """Check the hash chain and the latest witnessed head; exit 1 naming the kind of break."""
    from igp.audit.services import verify_chain, witness_paths

    result = verify_chain(witness_files=witness_paths(witnesses))
    db.session.rollback()
    if result.ok:
        click.echo(result.message())
        return
    click.echo(result.message(), err=True)
    sys.exit(1)


@audit_cli.command("witness")
@click.option("--restored", "reason", default=None, metavar="REASON",
              help="After restoring a backup: make the restored head the witnesses' new baseline.")
@transactional
def audit_witness(reason):
    """Publish the current chain head to the witnesses now (a new witness, or after a restore)."""
    from igp.audit import services as audit

    if reason is not None and not reason.strip():
        raise ValidationError({"restored": "geef een reden voor het terugzetten."})
    line = audit.publish_head(restored=reason is not None)
    if line is None:
        raise ValidationError({"witness": "er is geen getuige ingesteld (IGP_AUDIT_WITNESS of IGP_AUDIT_WITNESS_SYSLOG)."})
    if reason is not None:
        audit.record("configure", object_type="audit_witness", detail=f"restore acknowledged: {reason.strip()[:200]}")
    click.echo(line)


@keys_cli.command("rotate")
@transactional
def keys_rotate():
    """Re-encrypt every encrypted value with the first key of IGP_ENCRYPTION_KEYS.

    Afterwards the other keys can be removed from IGP_ENCRYPTION_KEYS."""
    from igp.audit import services as audit
    from igp.crypto import rotate_all

    counts = rotate_all(db.session, db.metadata)
    total = sum(counts.values())
    audit.record("configure", object_type="keys", detail=f"rotated {total} values")
    for column, count in counts.items():
        if count:
            click.echo(f"{column}: {count}")
    click.echo(f"{total} values re-encrypted with the current key.")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing (and exit 0) when the database already has users.")
@transactional
def demo(if_empty: bool):
    """Fill an EMPTY database with a fictional demo IGP and print the demo logins."""
    from igp.demo import DEMO_PASSWORD, demo_users, load_demo

    existing = demo_users()
    if if_empty and existing is not None:
        click.echo("The database already has data; the demo was not loaded again.")
        users = existing
    else:
        users = load_demo()
        click.echo("Demo IGP created.")
    click.echo(f"Demo logins (password for each: {DEMO_PASSWORD}):")
    for user in users:
        click.echo(f"  {user.username:<22} {user.roles_label:<36} {user.organisation.name}")
    if not current_app.config["REQUIRE_TOTP"]:
        click.echo("Second factor: not required in this development setup (IGP_REQUIRE_TOTP=0).")
    else:
        click.echo("Second factor: each user enrols an authenticator app at first sign-in.")


signals_cli = AppGroup("signals", help="Deadline signals.")
mdo_cli = AppGroup("mdo", help="MDO meetings.")
calendar_cli = AppGroup("calendar", help="The working-day calendar of this IGP.")
settings_cli = AppGroup("settings", help="IGP settings (terms, thresholds).")
duplicates_cli = AppGroup("duplicates", help="Possible duplicate registrations.")


@duplicates_cli.command("scan")
@transactional
def duplicates_scan():
    """Queue the possible duplicates that registering users could not see (run from cron,
    e.g. every 10 minutes); the planner or privacy officer resolves them."""
    from igp.families.duplicates import scan

    checked, queued = scan()
    click.echo(f"{checked} new registration(s) checked, {queued} possible duplicate(s) queued.")


@signals_cli.command("send")
@click.option("--date", "day", default=None, help="The day (YYYY-MM-DD) the digest is for; default today.")
@transactional
def signals_send(day):
    """Send each user with signals one e-mail digest for the day (idempotent: run from cron)."""
    from datetime import date

    from igp.coordination.digest import send_digests

    try:
        when = date.fromisoformat(day) if day else None
    except ValueError:
        raise ValidationError({"date": f"ongeldige datum '{day}' (gebruik JJJJ-MM-DD)."}) from None
    sent, skipped = send_digests(when)
    click.echo(f"{sent} digest(s) sent, {skipped} already sent today.")


@mdo_cli.command("generate")
@click.option("--weeks", default=8, show_default=True, help="How far ahead to create meetings.")
@transactional
def mdo_generate(weeks: int):
    """Create the meetings of every active MDO series for the coming weeks (idempotent)."""
    from igp.mdo.services import generate_all

    click.echo(f"{generate_all(weeks)} meeting(s) created.")


@calendar_cli.command("show")
@click.option("--year", type=int, default=None)
@transactional
def calendar_show(year):
    """List the non-working days of a year."""
    from igp import clock
    from igp.admin.services import work_calendar
    from igp.workdays import HOLIDAY_LABELS

    cal = work_calendar()
    year = year or clock.today().year
    for day, code in sorted(cal.holidays_in(year).items()):
        click.echo(f"{day.strftime('%d-%m-%Y')}\t{code}\t{HOLIDAY_LABELS[code]}")
    for day in sorted(d for d in cal.closing_days if d.year == year):
        click.echo(f"{day.strftime('%d-%m-%Y')}\tsluitingsdag")
    if cal.disabled_holidays:
        click.echo("switched off: " + ", ".join(sorted(cal.disabled_holidays)))


@calendar_cli.command("holiday")
@click.argument("code")
@click.option("--off", "state", flag_value="off", help="Count this holiday as a working day.")
@click.option("--on", "state", flag_value="on", default=True, help="Count it as a non-working day again.")
@transactional
def calendar_holiday(code, state):
    """Switch a holiday (e.g. bevrijdingsdag) off or on."""
    from igp.admin.services import get_setting, set_calendar
    from igp.workdays import HOLIDAY_CODES

    if code not in HOLIDAY_CODES:
        raise ValidationError({"code": f"onbekende feestdag '{code}'; kies uit: {', '.join(HOLIDAY_CODES)}"})
    disabled = set((get_setting("calendar") or {}).get("disabled_holidays", []))
    disabled = disabled | {code} if state == "off" else disabled - {code}
    set_calendar(disabled_holidays=sorted(disabled))
    click.echo(f"{code}: {'working day' if state == 'off' else 'non-working day'}")


@calendar_cli.command("closing")
@click.argument("action", type=click.Choice(["add", "remove"]))
@click.argument("day")
@transactional
def calendar_closing(action, day):
    """Add or remove an extra closing day (YYYY-MM-DD)."""
    from igp.admin.services import set_calendar

    if action == "add":
        set_calendar(add_closing=[day])
    else:
        set_calendar(remove_closing=[day])
    click.echo(f"closing day {day} {'added' if action == 'add' else 'removed'}")


@settings_cli.command("show")
@transactional
def settings_show():
    """Print the IGP settings."""
    from igp.admin.services import ALL_SETTINGS, CHOICE_SETTINGS, get_setting

    for key in ALL_SETTINGS:
        value = get_setting(key)
        click.echo(f"{key}={','.join(value) if key in CHOICE_SETTINGS else value}")


@settings_cli.command("set")
@click.argument("key")
@click.argument("value")
@transactional
def settings_set(key, value):
    """Change one setting, e.g. `settings set handover_term_workdays 5`. Running handovers keep their
    deadline; recalculating one is an explicit action."""
    from igp.admin.services import ALL_SETTINGS, update_settings

    if key not in ALL_SETTINGS:
        raise ValidationError({key: f"onbekende instelling '{key}'; kies uit: " + ", ".join(ALL_SETTINGS)})
    changed = update_settings({key: value})
    click.echo(f"{key}={value}" if changed else f"{key} unchanged")


retention_cli = AppGroup("retention", help="Retention periods and erasure.")


@retention_cli.command("list")
@transactional
def retention_list():
    """Closed families with data past its retention period (pseudonyms only)."""
    from igp.retention.services import expired

    rows = expired()
    for item in rows:
        what = "whole family" if item.whole_family else "notes of " + ", ".join(item.expired_categories)
        click.echo(f"{item.family.pseudonym}\tlast activity {item.last_activity.strftime('%d-%m-%Y')}\t{what}")
    click.echo(f"{len(rows)} famil{'y' if len(rows) == 1 else 'ies'} with expired data.")


@retention_cli.command("purge")
@click.option("--yes", is_flag=True, help="Confirm: really delete what `retention list` shows.")
@transactional
def retention_purge(yes: bool):
    """Delete expired data (after confirmation with --yes)."""
    from igp.retention.services import expired, purge

    if not yes:
        count = len(expired())
        raise ValidationError({"yes": f"{count} gezin(nen) met verlopen gegevens; bevestig met --yes "
                                      "(bekijk eerst 'retention list')."})
    families, notes = purge()
    click.echo(f"{families} families and {notes} notes deleted.")


@retention_cli.command("erase")
@click.argument("pseudonym")
@click.option("--reason", required=True, help="On whose request and why (logged).")
@click.option("--yes", is_flag=True, help="Confirm the erasure.")
@transactional
def retention_erase(pseudonym: str, reason: str, yes: bool):
    """Erase one family on request of the parents (AVG art. 17, art. 7:455 BW)."""
    from sqlalchemy import select

    from igp.families.models import Family
    from igp.retention.services import erase

    family = db.session.scalar(select(Family).where(Family.pseudonym == pseudonym.strip().upper()))
    if family is None:
        raise ValidationError({"pseudonym": f"onbekend gezin '{pseudonym}'."})
    if not yes:
        raise ValidationError({"yes": "vernietigen kan niet ongedaan worden gemaakt; bevestig met --yes."})
    erase(None, family.id, reason)
    click.echo(f"{family.pseudonym} erased; the audit log keeps only the pseudonym.")


@click.command("synth")
@click.option("--families", "n_families", type=int, required=True, help="How many families to generate.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same data.")
@click.option("--batch", type=int, default=1000, show_default=True)
@transactional
def synth_command(n_families: int, seed: int, batch: int):
    """Generate realistic fictional data at scale (for benchmarks and demos)."""
    import time

    from igp.synth import synth

    if not 1 <= n_families <= 1_000_000:
        raise ValidationError({"families": "tussen 1 en 1.000.000."})
    if current_app.config.get("ENV_NAME") == "production":
        raise ValidationError({"IGP_ENV": "synth maakt fictieve gezinnen en weigert in productie (IGP_ENV=production)."})
    started = time.monotonic()

    def progress(done):
        if done % 10000 == 0 or done == n_families:
            click.echo(f"  {done} families ({time.monotonic() - started:.0f} s)")

    counts = synth(n_families, seed, batch=batch, progress=progress)
    click.echo(", ".join(f"{k}={v}" for k, v in counts.items()))
    click.echo(f"done in {time.monotonic() - started:.1f} s")


reports_cli = AppGroup("reports", help="Monitoring figures.")


@reports_cli.command("rollup")
@click.option("--until", "until", default=None, help="the last day to roll up (jjjj-mm-dd); default yesterday")
@transactional
def reports_rollup(until):
    """Roll up the aanmeldingen, the inward handovers and the exits per day for the dashboard
    (nightly from cron; the dashboard scans the days not rolled up, so its figures never lag)."""
    from datetime import date

    from igp.reporting import rollup

    try:
        last = date.fromisoformat(until) if until else None
    except ValueError:
        raise click.BadParameter("gebruik jjjj-mm-dd", param_hint="--until") from None
    click.echo(f"roll-up of {rollup.rebuild(last)} days written")


@reports_cli.command("rebuild-facts")
@transactional
def rebuild_facts():
    """Derive the monitoring facts again from the encrypted data (birth outcomes, plan referrals)."""
    from igp.families import outcomes
    from igp.plan import services as plan_services

    families = outcomes.rebuild()
    plans = plan_services.rebuild_referral_facts()
    click.echo(f"birth outcomes of {families} families, referrals of {plans} plans")


search_cli = AppGroup("search", help="The forgiving search's index.")


@search_cli.command("reindex")
@transactional
def search_reindex():
    """Write the blind indexes of every family's names again (after an upgrade, a restore or synth)."""
    from igp.families import search_index

    click.echo(f"search index of {search_index.rebuild()} families written")


def register(app) -> None:
    for group in (org_cli, poli_cli, user_cli, audit_cli, keys_cli, signals_cli, mdo_cli, calendar_cli,
                  settings_cli, retention_cli, duplicates_cli, reports_cli, search_cli):
        app.cli.add_command(group)
    app.cli.add_command(demo)
    app.cli.add_command(synth_command)
