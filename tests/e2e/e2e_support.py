"""What the browser tests share: the served app, a user's signed-in tab with its axe-core
check, the report, and steps several journeys take (see conftest.py)."""
from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime
from functools import cache
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parent.parent
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
IMPACTS = ("critical", "serious", "moderate", "minor")
BLOCKING = ("critical", "serious")

# Filled while the tests run; written and summarised at the end of the run.
AXE_RESULTS: dict[str, dict] = {}
PHONE_WIDTH = 390   # every page is also checked at this width


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip("Chromium not installed: run .ci/install-e2e")


# ------------------------------------------------------------------ the app and a user's tab

class E2EApp:
    def __init__(self, app, base_url: str, secrets: dict[str, str]):
        self.app = app
        self.base_url = base_url
        self.totp_secrets = secrets

    def totp(self, username: str) -> str:
        import pyotp

        return pyotp.TOTP(self.totp_secrets[username]).now()

    def url(self, path: str) -> str:
        return self.base_url + path


class Session:
    """One user's signed-in browser tab. Navigation through goto/submit/follow checks each page
    it lands on with axe-core."""

    def __init__(self, e2e: E2EApp, context, username: str):
        self.e2e = e2e
        self.context = context
        self.username = username
        self.page = context.new_page()
        self.loads = 0      # documents loaded in the tab
        self.checked = 0    # of which checked by axe
        self.problems: list[str] = []
        self.page.on("load", self._on_load)
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda exc: self.problems.append(f"script error: {exc}"))

    def _on_load(self, _page) -> None:
        self.loads += 1

    def _on_console(self, message) -> None:
        text = message.text
        if message.type == "error" and ("Content Security Policy" in text or "Content-Security-Policy" in text):
            self.problems.append(f"CSP violation on {self.page.url}: {text}")

    # -- navigation, each followed by the accessibility check
    def goto(self, path: str, *, expect_status: int | None = 200):
        response = self.page.goto(self.e2e.url(path))
        if expect_status is not None:
            assert response is not None and response.status == expect_status, \
                f"{path}: HTTP {response.status if response else '?'} for {self.username}"
        self.check_accessibility()
        return response

    def submit(self, button, *, expect_status: int | None = None):
        """Click a button or link that loads a new page (a form post or a link)."""
        with self.page.expect_navigation() as navigation:
            button.click()
        response = navigation.value
        if expect_status is not None:
            assert response is not None and response.status == expect_status, \
                f"HTTP {response.status if response else '?'} after submitting on {self.page.url}"
        self.page.wait_for_load_state("load")
        self.check_accessibility()
        return response

    follow = submit

    def check_accessibility(self, *, record: bool = True) -> None:
        """axe-core on the page as it is (1280 px) and again at phone width (390 px): zero serious
        or critical violations at both widths (issue 19)."""
        page = self.page
        page.wait_for_load_state("load")
        page.evaluate(axe_source())  # runs outside the page's CSP, which stays in force for the app
        self.checked = self.loads
        blocking = self._axe_at(None, record)
        size = page.viewport_size
        if size and size["width"] > PHONE_WIDTH:
            page.set_viewport_size({"width": PHONE_WIDTH, "height": size["height"]})
            try:
                blocking += self._axe_at(PHONE_WIDTH, record)
            finally:
                page.set_viewport_size(size)
        assert not blocking, f"axe-core: serious/critical violations on {page.url}:\n" + "\n".join(
            f"  {v['impact']} {v['id']} ({v['help']}){' at ' + str(v['width']) + ' px' if v['width'] else ''}: "
            f"{', '.join(v['nodes'])}" for v in blocking)

    def _axe_at(self, width: int | None, record: bool) -> list[dict]:
        """One axe run; the serious and critical violations. Forms folded away in <details> are
        checked too: opened for the run, then folded back."""
        violations = self.page.evaluate("""async () => {
            const closed = [...document.querySelectorAll('details:not([open])')];
            closed.forEach(d => { d.open = true; });
            try {
                const result = await axe.run(document, {resultTypes: ['violations']});
                return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5), count: v.nodes.length}));
            } finally {
                closed.forEach(d => { d.open = false; });
            }
        }""")
        if record:
            self._record(violations, width)
        return [dict(v, width=width) for v in violations if v["impact"] in BLOCKING]

    def _record(self, violations: list[dict], width: int | None = None) -> None:
        page = self.page
        path = re.sub(r"^https?://[^/]+", "", page.url).split("#")[0]
        key = f"{path} ({self.username})" + (f" at {width} px" if width else "")
        counts = Counter()
        for v in violations:
            counts[v["impact"] or "minor"] += v["count"]
        entry = AXE_RESULTS.setdefault(key, {"url": path, "user": self.username, "title": page.title(),
                                             "visits": 0, **{i: 0 for i in IMPACTS}, "rules": {}})
        entry["visits"] += 1
        for impact in IMPACTS:
            entry[impact] = max(entry[impact], counts.get(impact, 0))
        for v in violations:
            entry["rules"][v["id"]] = {"impact": v["impact"], "help": v["help"], "nodes": v["nodes"]}

    # -- small helpers for the tests
    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def html(self) -> str:
        return self.page.content()

    def flash(self) -> str:
        return " ".join(self.page.locator(".flashes").all_inner_texts())

    def family_id(self) -> int:
        match = re.search(r"/gezinnen/(\d+)", self.page.url)
        assert match, f"not on a family page: {self.page.url}"
        return int(match.group(1))

    def verify_clean(self) -> None:
        assert self.checked == self.loads, \
            f"{self.loads - self.checked} page(s) loaded without an axe check (last: {self.page.url})"
        problems, self.problems = self.problems, []
        assert not problems, "\n".join(problems)


@cache
def axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def sign_in(session: Session) -> None:
    """Password, then the code from the authenticator app, as the user does it."""
    from igp.demo import DEMO_PASSWORD

    page = session.page
    session.goto("/login")
    page.get_by_label("Gebruikersnaam").fill(session.username)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    session.submit(page.get_by_role("button", name="Aanmelden"))
    assert page.url.endswith("/login/code"), page.url
    page.get_by_label("Code uit uw authenticator-app").fill(session.e2e.totp(session.username))
    session.submit(page.get_by_role("button", name="Bevestigen"))
    assert page.get_by_role("button", name="Afmelden").is_visible(), f"{session.username} is not signed in"


# ------------------------------------------------------------------ report

def write_axe_report() -> Path | None:
    if not AXE_RESULTS:
        return None
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "axe-report.json"
    report = {"generated_at": datetime.now().isoformat(timespec="seconds"), "axe_core": _axe_version(),
              "pages": [AXE_RESULTS[k] for k in sorted(AXE_RESULTS)]}
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def _axe_version() -> str | None:
    try:
        return json.loads((HERE / "node_modules" / "axe-core" / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def workday_date(value) -> str:
    """'di 01-12-2026', as the app shows a date with its weekday."""
    return f"{('ma', 'di', 'wo', 'do', 'vr', 'za', 'zo')[value.weekday()]} {value.strftime('%d-%m-%Y')}"


# ------------------------------------------------------------------ shared steps

def details(scope, summary: str):
    """The <details> element (in a page or a part of it) whose summary has this text, opened
    by clicking the summary as a user would."""
    page = getattr(scope, "page", scope)  # a Locator knows its Page
    element = scope.locator("details").filter(has=page.locator("summary", has_text=summary)).first
    if element.get_attribute("open") is None:
        element.locator("summary").first.click()
    return element


def register_family(session: Session, *, parent: str, poli: str = "MamaPlusPoli", consent: str | None = None,
                    referred_at: datetime | None = None, due_date: str = "2027-04-15",
                    vulnerabilities=("Financiën (geldzorgen, schulden)", "Klein of ontbrekend netwerk"),
                    medical=("Psychiatrische problematiek",)) -> int:
    """Fill the aanmelding at /gezinnen/aanmelden as the professional does; returns the family id."""
    page = session.page
    session.goto("/gezinnen/aanmelden")
    page.get_by_label("Poli", exact=True).select_option(label=poli)
    page.get_by_label("Zwangerschap (prenataal)").check()
    if referred_at is not None:
        page.get_by_label("Aangemeld op").fill(referred_at.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Soort verwijzer").select_option(label="Verloskundige (eerstelijns)")
    page.get_by_label("Naam verwijzer").fill("Verloskundige Van Dam")
    page.get_by_label("Organisatie verwijzer").fill("Verloskundigenpraktijk De Wieg")
    page.get_by_label("Telefoon of e-mail verwijzer").fill("010-5550199")
    page.get_by_label("Reden van aanmelding").fill("Geldzorgen en eerdere depressie; weinig steun van familie.")
    parent_fields = page.get_by_role("group", name="Ouder of verzorger 1")
    parent_fields.get_by_label("Naam", exact=True).fill(parent)
    parent_fields.get_by_label("Geboortedatum").fill("1996-05-17")
    parent_fields.get_by_label("Telefoon").fill("06-12345678")
    page.get_by_label("Uitgerekende datum").fill(due_date)
    for label in vulnerabilities:
        page.get_by_label(label, exact=True).check()
    for label in medical:
        page.get_by_label(label, exact=True).check()
    if consent:
        page.get_by_label("Toestemming van de ouders").select_option(label=consent)
    session.submit(page.get_by_role("button", name="Aanmelding opslaan"), expect_status=200)
    assert "is aangemeld" in session.flash(), session.flash() or page.content()[:2000]
    return session.family_id()


KERNTEAM = "Kernteam IGP: zorg + JGZ + sociaal"
