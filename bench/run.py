#!/usr/bin/env python3
"""IGP benchmark (issue 10): latency, SQL statements per request and throughput of the key pages,
at several data sizes, against the targets. One command:

    .venv/bin/python bench/run.py --sizes 1000,10000,100000

Per size: (re)create the PostgreSQL database igp_bench_<size>, `db upgrade`, `synth` (timed),
VACUUM ANALYZE, start gunicorn (one sync worker per core), sign in, measure every key page with sequential
requests (latency p50/p95/p99 and the X-IGP-Queries header), the floors (GET /bench/ping through
the same gunicorn; the dashboard's main GROUP BY directly with psycopg), then a threaded mixed
load. Writes bench/results/<UTC timestamp>.json and .md and bench/results/latest.md.

Only the standard library (http.client with one connection per client) and psycopg (already a
dependency of the app) are used. No personal data (fictional or not) and no tokens are written
to the results: paths are recorded with placeholders, families by numeric id only.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BIN = ROOT / ".venv" / "bin" if (ROOT / ".venv" / "bin" / "flask").exists() else Path(sys.executable).parent
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
DEMO_PASSWORD = "demo-igp-2026!"
SYNTH_PASSWORD = "synth-wachtwoord-2026"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
ACTIVE = ("aangemeld", "in_intake", "actief")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
DASHBOARD_SQL = ("SELECT r.referrer_type, count(*) FROM referral r JOIN family f ON f.id = r.family_id "
                 "WHERE r.received_on BETWEEN %s AND %s GROUP BY r.referrer_type")

# targets of issue 10
PAGE_P95_MS = 150
DASHBOARD_P95_MS = 300
GROWTH_MAX = 2.0
SQL_FLOOR_MAX = 5.0  # every page p95 at most 5x its own SQL floor (issue 21)
MIXED_RPS = 150
MIXED_P95_MS = 250

# the mixed load: (kind, weight)
MIX = [("gezinspagina", 40), ("mijn_gezinnen", 20), ("overdrachten", 10), ("signalen", 10), ("zoeken", 10),
       ("dashboard", 5), ("aanmelding", 5)]


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


def size_label(n: int) -> str:
    if n % 1000 == 0 and n >= 1000:
        return f"{n // 1000}k"
    return str(n)


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    data = sorted(values)
    pos = (len(data) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def stats(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {"n": len(values), "p50": round(percentile(values, 50), 2), "p95": round(percentile(values, 95), 2),
            "p99": round(percentile(values, 99), 2), "mean": round(sum(values) / len(values), 2),
            "min": round(min(values), 2), "max": round(max(values), 2)}


# ------------------------------------------------------------------ HTTP client (stdlib only)

@dataclass
class Resp:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    ms: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def queries(self) -> int | None:
        value = self.headers.get("X-IGP-Queries")
        return int(value) if value is not None else None

    def json(self):
        return json.loads(self.body)


class Client:
    """One HTTP connection (reopened when the server closes it: gunicorn's sync worker closes after
    each response), a cookie jar and an optional bearer token."""

    def __init__(self, port: int, token: str | None = None, timeout: float = 120):
        self.port = port
        self.timeout = timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.cookies: dict[str, str] = {}
        self.token = token

    def request(self, method: str, path: str, *, json_body=None, form=None) -> Resp:
        headers = {"User-Agent": "igp-bench/1.0", "Accept": "text/html,application/json"}
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
            headers["Accept"] = "application/json"
        elif form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in (0, 1):
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest, http.client.ResponseNotReady):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                if attempt:
                    raise
        ms = (time.perf_counter() - started) * 1000
        for cookie in response.headers.get_all("Set-Cookie") or []:
            pair = cookie.split(";", 1)[0]
            name, _, value = pair.partition("=")
            lowered = cookie.lower()
            if not value or "max-age=0" in lowered or "expires=thu, 01 jan 1970" in lowered:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()
        if response.will_close:
            self.conn.close()
        return Resp(response.status, response.headers, data, ms)

    def close(self):
        self.conn.close()


def sign_in(port: int, username: str, password: str) -> Client:
    client = Client(port)
    page = client.request("GET", "/login")
    match = CSRF_RE.search(page.text)
    if not match:
        raise RuntimeError(f"no csrf_token on /login (status {page.status})")
    token = match.group(1) or match.group(2)
    r = client.request("POST", "/login", form={"username": username, "password": password, "csrf_token": token})
    location = r.headers.get("Location", "")
    if r.status != 302 or "/login" in location:
        raise RuntimeError(f"sign-in of {username} failed: {r.status} -> {location or r.text[:200]}")
    return client


def api_client(port: int, username: str, password: str) -> Client:
    client = Client(port)
    r = client.request("POST", "/api/v1/auth/token", json_body={"username": username, "password": password})
    if r.status != 200:
        raise RuntimeError(f"token for {username} failed: {r.status} {r.text[:200]}")
    return Client(port, token=r.json()["token"])


def password_of(username: str) -> str:
    return SYNTH_PASSWORD if username.startswith("synth.") else DEMO_PASSWORD


# ------------------------------------------------------------------ aanmelding bodies (unique, valid BSN)

class BsnSource:
    """Valid BSNs (eleven-check) starting with 0, which the synthetic generator never produces
    (it starts with 1-9), unique within a run; the random base makes reruns on a kept database
    unlikely to collide."""

    def __init__(self, seed: int):
        self.lock = threading.Lock()
        self.next = random.Random(seed * 7919 + int(time.time())).randrange(10 ** 7)
        self.n = 0

    def take(self) -> tuple[str, int]:
        with self.lock:
            while True:
                self.next = (self.next + 1) % 10 ** 7
                digits = "0" + f"{self.next:07d}"
                check = sum(int(d) * w for d, w in zip(digits, range(9, 1, -1))) % 11
                if check < 10:
                    self.n += 1
                    return digits + str(check), self.n


def _letters(n: int) -> str:
    out = ""
    n += 26 * 26
    while n:
        n, r = divmod(n, 26)
        out = chr(ord("a") + r) + out
    return out.capitalize()


def aanmelding_body(bsns: BsnSource) -> dict:
    bsn, n = bsns.take()
    today = datetime.now(AMSTERDAM).date()
    return {
        "poli": "pop", "phase": "prenatal", "referred_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "referrer": {"type": "verloskundige", "name": "Verloskundige Meting", "organisation": "Praktijk Meting"},
        "reason": "Aanmelding van de benchmark.", "vulnerabilities": ["financien"],
        "medical_reasons": ["psychiatrie"], "high_risk": False,
        "parents": [{"name": f"Meting {_letters(n)} {_letters(int(bsn) % 9973)}", "birth_date": "1993-06-15",
                     "bsn": bsn, "phone": "06-00000000", "address": "Metingstraat 1", "postcode": "1000 AA",
                     "city": "Metingstad"}],
        "expected_due_date": (today + timedelta(days=120)).isoformat(),
    }


# ------------------------------------------------------------------ database and processes

def admin_conn():
    return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True)


def db_conn(name: str):
    return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=name, autocommit=True)


def app_env(dbname: str) -> dict:
    env = dict(os.environ)
    env.update({
        "IGP_DATABASE_URL": f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{dbname}",
        "IGP_ENV": "development", "IGP_REQUIRE_TOTP": "0", "IGP_QUERY_COUNT_HEADER": "1", "IGP_BENCH_ROUTES": "1",
        "IGP_LOGIN_RATE_LIMIT": "100000 per minute", "IGP_RATELIMIT_STORAGE_URL": "memory://",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def database_exists(name: str) -> bool:
    with admin_conn() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def recreate_database(name: str) -> None:
    if name == "test" or not name.startswith("igp_bench_"):
        raise SystemExit(f"refusing to touch database {name!r}")
    with admin_conn() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    if name == "test" or not name.startswith("igp_bench_"):
        return
    with admin_conn() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def flask_cli(env: dict, *args: str, log_path: Path) -> tuple[float, str]:
    started = time.monotonic()
    with open(log_path, "a") as out:
        out.write(f"\n$ flask --app igp {' '.join(args)}\n")
        out.flush()
        proc = subprocess.run([str(BIN / "flask"), "--app", "igp", *args], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        out.write(proc.stdout)
    if proc.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed (exit {proc.returncode}); see {log_path}")
    return time.monotonic() - started, proc.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, env: dict, workers: int, worker_class: str, log_path: Path, conf: str | None = None):
        self.port = free_port()
        self.log = open(log_path, "a")
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), *(["--config", conf] if conf else []), "--workers", str(workers),
             "--worker-class", worker_class, "--bind", f"127.0.0.1:{self.port}", "--timeout", "120",
             "--graceful-timeout", "10", "igp:create_app()"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_healthy(self, timeout: float = 90, on_schema_behind=None) -> None:
        """Wait for 200 from /health. When the schema is behind (a migration appeared after the
        upgrade: others may be working on the code), `on_schema_behind()` upgrades once more."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log.name}")
            try:
                c = Client(self.port, timeout=5)
                r = c.request("GET", "/health")
                c.close()
                if r.status == 200:
                    return
                last = f"{r.status} {r.text[:200]}"
                behind = "schema_behind" in r.text or "niet bijgewerkt" in r.text  # JSON code or the Dutch page
                if behind and on_schema_behind is not None:
                    log("  the schema is behind the code (a new migration?): db upgrade again")
                    on_schema_behind()
                    on_schema_behind = None
            except OSError as exc:
                last = f"{type(exc).__name__}: {exc}"
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not become healthy: last /health answer {last}")

    def warm_workers(self, workers: int) -> None:
        """Twice as many concurrent connections as workers, so that every worker serves its first
        requests (schema check, template compilation) before anything is measured."""
        barrier = threading.Barrier(2 * workers)

        def one():
            c = Client(self.port)
            barrier.wait()
            for _ in range(50):
                c.request("GET", "/login")
                c.request("GET", "/health")
            c.close()

        threads = [threading.Thread(target=one) for _ in range(2 * workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # the master stops its own workers
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def process_cpu_seconds(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(parts[11]) + int(parts[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / tick


def children_of(pid: int) -> list[int]:
    result = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    result.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                pass
    return result


def postgres_pids() -> list[int]:
    result = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    result.append(int(entry.name))
            except OSError:
                pass
    return result


def pytest_processes() -> int:
    count = 0
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"pytest" in cmd:
            count += 1
    return count


def wait_for_idle(max_wait: float) -> dict:
    """Wait while a test run (pytest) uses the cores; returns what happened, for the results."""
    started = time.monotonic()
    busy = pytest_processes()
    while busy and time.monotonic() - started < max_wait:
        log(f"  {busy} pytest process(es) running: waiting before measuring")
        time.sleep(20)
        busy = pytest_processes()
    return {"waited_s": round(time.monotonic() - started, 1), "pytest_processes_at_start": busy,
            "loadavg": [round(x, 2) for x in os.getloadavg()]}


# ------------------------------------------------------------------ data choices (ids only)

@dataclass
class Setup:
    dbname: str
    today: date
    nurse: str = ""
    nurse_active: int = 0
    nurse_mean_active: float = 0
    nurse_count: int = 0
    family_ids: list[int] = field(default_factory=list)
    mixed_nurses: list[tuple[str, list[int]]] = field(default_factory=list)
    meeting_id: int | None = None
    meeting_items: int = 0
    meeting_chair: str = ""


def choose(dbname: str, threads: int, seed: int) -> Setup:
    today = datetime.now(AMSTERDAM).date()
    setup = Setup(dbname, today)
    rng = random.Random(seed)
    with db_conn(dbname) as conn:
        # only the families the generator made count: the benchmark's own aanmeldingen (POSTs of
        # earlier runs on a kept database) would otherwise change which nurse and which families are
        # measured from one run to the next. The generator logs one "create synth" entry when it is
        # done; its families were all created before that moment.
        made = conn.execute("SELECT max(at) FROM audit_entry WHERE action = 'create' AND object_type = 'synth'"
                            ).fetchone()[0] or datetime.max.replace(tzinfo=AMSTERDAM)
        # present nurses (not absent today); the mean is over them, the choice prefers one who does
        # not stand in for an absent colleague today, so the measured user is in the same situation
        # at every size (a substitute's pages also show the colleague's families)
        rows = conn.execute("""
            SELECT u.id, u.username, count(f.id) AS active,
                   EXISTS (SELECT 1 FROM absence a WHERE a.substitute_id = u.id AND a.cancelled_at IS NULL
                           AND a.starts_on <= %(today)s AND a.ends_on >= %(today)s) AS substitute
            FROM "user" u JOIN user_role r ON r.user_id = u.id AND r.role = 'jeugdverpleegkundige'
            LEFT JOIN family f ON f.coordinator_id = u.id AND f.status = ANY(%(active)s) AND f.created_at <= %(made)s
            WHERE u.active AND NOT EXISTS (SELECT 1 FROM absence a WHERE a.user_id = u.id
                  AND a.cancelled_at IS NULL AND a.starts_on <= %(today)s AND a.ends_on >= %(today)s)
            GROUP BY u.id, u.username ORDER BY u.id""",
            {"active": list(ACTIVE), "today": today, "made": made}).fetchall()
        mean = sum(r[2] for r in rows) / len(rows)
        ranked = [r[:3] for r in sorted(rows, key=lambda r: (r[3], abs(r[2] - mean), r[0]))]
        nurse_id, setup.nurse, setup.nurse_active = ranked[0]
        setup.nurse_mean_active, setup.nurse_count = round(mean, 1), len(rows)

        def families_of(user_id: int, k: int) -> list[int]:
            ids = [r[0] for r in conn.execute(
                "SELECT id FROM family WHERE coordinator_id = %s AND status = 'actief' AND created_at <= %s ORDER BY id",
                (user_id, made)).fetchall()]
            return sorted(rng.sample(ids, min(k, len(ids))))

        setup.family_ids = families_of(nurse_id, 10)
        for uid, username, _ in ranked[:threads]:
            setup.mixed_nurses.append((username, families_of(uid, 20)))
        # the synthetic MDO history is chaired by the first user with the role mdo_voorzitter (by id);
        # measure a finished POP meeting with 8 items as its chair
        row = conn.execute("""
            SELECT m.id, u.username, (SELECT count(*) FROM mdo_agenda_item i WHERE i.meeting_id = m.id) AS n
            FROM mdo_meeting m JOIN poli p ON p.id = m.poli_id JOIN "user" u ON u.id = m.chair_id
            WHERE m.status = 'afgerond' AND p.code = 'pop'
            ORDER BY (SELECT count(*) FROM mdo_agenda_item i WHERE i.meeting_id = m.id) = 8 DESC,
                     m.starts_at DESC LIMIT 1""").fetchone()
        if row:
            setup.meeting_id, setup.meeting_chair, setup.meeting_items = row
    return setup


def search_values(api: Client, family_ids: list[int], want: int = 5) -> list[dict]:
    """BSN, name and birth date of the first parent of some families, read through the API (kept in
    memory only, never written)."""
    values = []
    for fid in family_ids:
        r = api.request("GET", f"/api/v1/families/{fid}")
        if r.status != 200:
            continue
        parents = r.json().get("parents") or []
        if parents and parents[0].get("bsn") and parents[0].get("name") and parents[0].get("birth_date"):
            p = parents[0]
            values.append({"bsn": p["bsn"], "name": p["name"], "birth_date": p["birth_date"][:10]})
        if len(values) >= want:
            break
    return values


# ------------------------------------------------------------------ sequential measurement

IDLE_WAIT = 900  # --idle-wait
WARM_PARALLEL = 2  # = gunicorn workers (set from --workers): concurrent warm-up reaches every worker (each has its own caches)


def warm_up(client: Client, method: str, paths, body, count: int, ok, name: str) -> None:
    """`count` requests over WARM_PARALLEL concurrent connections with the same session or token,
    so every worker process has served the page before the measurement (a sync worker's first
    request also checks the schema and compiles templates)."""
    problems = []

    def one(k):
        c = Client(client.port, token=client.token)
        c.cookies = dict(client.cookies)
        for i in range(k, count, WARM_PARALLEL):
            r = c.request(method, paths(i), json_body=body(i) if body else None)
            if r.status not in ok:
                problems.append(f"{r.status}: {r.text[:300]}")
        c.close()

    threads = [threading.Thread(target=one, args=(k,)) for k in range(WARM_PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if problems:
        raise RuntimeError(f"{name}: warm-up answered {problems[0]}")


def family_entries(dbname: str | None) -> int | None:
    """Audit entries that name a family so far: one per family a request read or wrote (NEN 7513)."""
    if not dbname:
        return None
    with db_conn(dbname) as conn:
        return conn.execute("SELECT count(*) FROM audit_entry WHERE family_pseudonym IS NOT NULL").fetchone()[0]


def measure(name: str, client: Client, method: str, paths, *, n: int, warmup: int, body=None,
            ok=(200,), user: str = "", path_label: str = "", dbname: str | None = None) -> dict:
    """`paths(i)` gives the path of request i; `body(i)` the JSON body (POST). With `dbname`, also
    the families each request read (its audit entries that name a family), to tell a page that
    grows with the data from one that shows more of it."""
    attempts = 0
    for _ in range(3):
        attempts += 1
        wait_for_idle(IDLE_WAIT)
        latencies, queries, statuses = [], [], {}
        warm_up(client, method, paths, body, warmup, ok, name)
        entries_before = family_entries(dbname)
        for i in range(n):
            r = client.request(method, paths(i), json_body=body(i) if body else None)
            statuses[r.status] = statuses.get(r.status, 0) + 1
            latencies.append(r.ms)
            if r.queries is not None:
                queries.append(r.queries)
        entries_after = family_entries(dbname)
        if not pytest_processes():
            break
        log(f"  {name}: a test run started during the measurement; measuring again when it is done")
    distinct = sorted(set(queries))
    errors = sum(c for s, c in statuses.items() if s not in ok)
    result = {"page": name, "user": user, "method": method, "path": path_label, "warmup": warmup,
              "attempts": attempts,
              **stats(latencies), "queries": distinct[0] if len(distinct) == 1 else distinct,
              "queries_constant": len(distinct) == 1, "queries_min": min(queries) if queries else None,
              "queries_max": max(queries) if queries else None, "statuses": {str(k): v for k, v in statuses.items()},
              "errors": errors,
              "families_read": round((entries_after - entries_before) / n, 1) if dbname and n else None}
    log(f"  {name:<24} p50 {result['p50']:8.1f}  p95 {result['p95']:8.1f}  p99 {result['p99']:8.1f} ms  "
        f"queries {result['queries']}  errors {errors}")
    return result


def raw_sql_floor(dbname: str, start: date, end: date, n: int, warmup: int) -> dict:
    latencies = []
    with db_conn(dbname) as conn:
        for i in range(warmup + n):
            t = time.perf_counter()
            rows = conn.execute(DASHBOARD_SQL, (start, end)).fetchall()
            ms = (time.perf_counter() - t) * 1000
            if i >= warmup:
                latencies.append(ms)
        plan = [r[0] for r in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + DASHBOARD_SQL, (start, end)).fetchall()]
    result = {"page": "floor: dashboard SQL (psycopg)", "user": "-", "method": "SQL", "path": "GROUP BY referrer_type",
              "warmup": warmup, **stats(latencies), "rows": len(rows), "plan": plan}
    log(f"  {'floor: raw SQL':<24} p50 {result['p50']:8.2f}  p95 {result['p95']:8.2f}  p99 {result['p99']:8.2f} ms")
    return result


def sql_floors(args, dbname: str, run_dir: Path, pages: list[dict]) -> dict:
    """Each page's own floor: its request's SQL replayed directly (bench/floors.py, in a child
    process so that this client imports nothing of the app); added to the page rows."""
    wait_for_idle(IDLE_WAIT)
    out_json = run_dir / f"floors-{dbname}.json"
    log("  SQL floors: the same requests' SQL replayed with psycopg (bench/floors.py)")
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "floors.py"), "--database", dbname,
                           "--n", str(args.requests), "--warmup", str(args.warmup), "--json", str(out_json)],
                          cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        log(f"  SQL floors failed: {proc.stderr.strip().splitlines()[-1:]}")
        return {"error": (proc.stderr.strip().splitlines() or ["?"])[-1]}
    floors = json.loads(out_json.read_text())
    for page in pages:
        f = floors.get(page["page"])
        if f:
            page["sql_floor"] = {k: f[k] for k in ("p50", "p95", "statements")}
            page["p95_x_sql_floor"] = round(page["p95"] / f["p95"], 1) if f["p95"] else None
    return floors


def measure_size(args, n_families: int, run_dir: Path) -> dict:
    label = size_label(n_families)
    dbname = f"igp_bench_{label}"
    env = app_env(dbname)
    log_path = run_dir / f"{dbname}.log"
    out: dict = {"families": n_families, "database": dbname, "source_digest_before": source_digest()}
    log(f"== {n_families} families: database {dbname} (log: {log_path})")

    if args.reuse and database_exists(dbname):
        log("  --reuse: keeping the existing database (no synth; db upgrade for new migrations)")
        out["synth"] = {"reused": True}
        flask_cli(env, "db", "upgrade", log_path=log_path)
        with db_conn(dbname) as conn:
            indexed = conn.execute("SELECT EXISTS (SELECT 1 FROM family_search_token)").fetchone()[0]
        if not indexed:  # a database made before the forgiving search (issue 19)
            flask_cli(env, "search", "reindex", log_path=log_path)
        flask_cli(env, "reports", "rollup", log_path=log_path)  # as the nightly job would have
        with db_conn(dbname) as conn:
            conn.execute("VACUUM ANALYZE")
    else:
        recreate_database(dbname)
        secs, _ = flask_cli(env, "db", "upgrade", log_path=log_path)
        out["db_upgrade_s"] = round(secs, 1)
        log(f"  db upgrade {secs:.1f} s; synth --families {n_families} --seed {args.seed} ...")
        secs, text = flask_cli(env, "synth", "--families", str(n_families), "--seed", str(args.seed),
                               log_path=log_path)
        counts = {}
        for line in text.splitlines():
            if line.startswith("families="):
                counts = {k: int(v) for k, v in (p.split("=") for p in line.split(", "))}
        out["synth"] = {"seconds": round(secs, 1), "families_per_second": round(n_families / secs, 1),
                        "counts": counts}
        log(f"  synth {secs:.1f} s ({n_families / secs:.0f} families/s)")
        secs, _ = flask_cli(env, "search", "reindex", log_path=log_path)  # the forgiving search's index
        out["search_reindex_s"] = round(secs, 1)
        log(f"  search reindex {secs:.1f} s")
        secs, _ = flask_cli(env, "reports", "rollup", log_path=log_path)  # the nightly roll-up of the dashboard
        out["reports_rollup_s"] = round(secs, 1)
        log(f"  reports rollup {secs:.1f} s")
        t = time.monotonic()
        with db_conn(dbname) as conn:
            conn.execute("VACUUM ANALYZE")
        out["vacuum_analyze_s"] = round(time.monotonic() - t, 1)
    with db_conn(dbname) as conn:
        out["database_size"] = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
        out["table_rows"] = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in (
            "family", "parent", "referral", "handover", "handover_event", "consent_record", "mdo_meeting",
            "mdo_agenda_item", "mdo_action", "audit_entry", "user")}

    setup = choose(dbname, args.threads, args.seed)
    out["selection"] = {
        "nurse": setup.nurse, "nurse_active_families": setup.nurse_active,
        "mean_active_families_per_nurse": setup.nurse_mean_active, "nurses_present": setup.nurse_count,
        "family_ids": setup.family_ids, "mdo_meeting_id": setup.meeting_id, "mdo_meeting_items": setup.meeting_items,
        "mdo_meeting_chair": setup.meeting_chair,
        "mixed_nurses": [u for u, _ in setup.mixed_nurses],
    }
    log(f"  nurse {setup.nurse}: {setup.nurse_active} active families (mean over {setup.nurse_count} present "
        f"nurses {setup.nurse_mean_active}); MDO meeting {setup.meeting_id} with {setup.meeting_items} items, "
        f"chaired by {setup.meeting_chair}")

    slow_from = None
    if args.log_slow_ms is not None:
        with admin_conn() as conn:
            conn.execute(f'ALTER DATABASE "{dbname}" SET log_min_duration_statement = {int(args.log_slow_ms)}')
        try:
            slow_from = Path(args.pg_log).stat().st_size
        except OSError as exc:
            log(f"  cannot read the PostgreSQL log {args.pg_log}: {exc}")
    server = Gunicorn(env, args.workers, args.worker_class, log_path, args.gunicorn_conf)
    try:
        server.wait_healthy(on_schema_behind=lambda: flask_cli(env, "db", "upgrade", log_path=log_path))
        server.warm_workers(args.workers)
        out["idle_check"] = wait_for_idle(args.idle_wait)
        out["pages"] = measure_pages(args, server.port, setup)
        if not args.no_sql_floors:
            out["sql_floors"] = sql_floors(args, dbname, run_dir, out["pages"])
        if args.mixed_seconds > 0:
            attempts = 0
            for _ in range(2):
                attempts += 1
                out["mixed_idle_check"] = wait_for_idle(args.idle_wait)
                out["mixed"] = mixed_load(args, server.port, setup, server.proc.pid)
                if not pytest_processes():
                    break
                log("  a test run started during the mixed load; running it again when it is done")
            out["mixed"]["attempts"] = attempts
    finally:
        server.stop()
        out["source_digest_after"] = source_digest()
        if out["source_digest_after"] != out["source_digest_before"]:
            log("  NOTE: the application source changed while this size was measured")
        if slow_from is not None:
            out["slow_statements"] = slow_statements(args.pg_log, slow_from, run_dir / f"slow-{dbname}.log")
            with admin_conn() as conn:
                conn.execute(f'ALTER DATABASE "{dbname}" RESET log_min_duration_statement')
    return out


def slow_statements(pg_log: str, offset: int, copy_to: Path) -> dict:
    """Statements slower than --log-slow-ms, from the PostgreSQL server log (only the benchmark's
    database has the setting). Shapes only: parameter values ($1...) stay in the server log."""
    try:
        with open(pg_log, "rb") as f:
            f.seek(offset)
            text = f.read().decode("utf-8", "replace")
    except OSError as exc:
        return {"error": str(exc)}
    copy_to.write_text("\n".join(line[:2000] for line in text.splitlines()) + "\n")
    entries = []
    for m in re.finditer(r"duration: ([0-9.]+) ms\s+(?:statement|execute [^:]*): (.*?)(?=\n\d{4}-\d\d-\d\d |\Z)",
                         text, re.S):
        entries.append((float(m.group(1)), re.sub(r"\s+", " ", m.group(2)).strip()))
    shapes: dict[str, list[float]] = {}
    for ms, stmt in entries:
        shapes.setdefault(stmt[:400], []).append(ms)
    top = sorted(shapes.items(), key=lambda kv: -sum(kv[1]))[:15]
    return {"count": len(entries), "log_copy": str(copy_to),
            "top": [{"statement": k, "count": len(v), "total_ms": round(sum(v), 1), "max_ms": round(max(v), 1)}
                    for k, v in top]}


def surname_prefixes(values: list[dict]) -> list[str]:
    """The forgiving search's query (issue 19): the first 4 letters of the last word of a parent's
    name ("Jansen" -> "jans"), as a nurse types the start of a surname."""
    words = [v["name"].split()[-1] for v in values if v.get("name")]
    return [w[:4].lower() for w in words if len(w) >= 3] or ["jans"]


def measure_pages(args, port: int, setup: Setup) -> list[dict]:
    n, w = args.requests, args.warmup
    today = setup.today
    year_ago = today - timedelta(days=365)
    results = []
    nurse_pw = password_of(setup.nurse)

    def counted(*measure_args, **kwargs):   # each page also counts the families its requests read
        return measure(*measure_args, dbname=setup.dbname, **kwargs)

    anon = Client(port)
    ping = measure("floor: /bench/ping", anon, "GET", lambda i: "/bench/ping", n=n, warmup=w, user="-",
                   path_label="/bench/ping")
    results.append(ping)
    results.append(raw_sql_floor(setup.dbname, year_ago, today, n, w))

    nurse = sign_in(port, setup.nurse, nurse_pw)
    results.append(counted("mijn_gezinnen", nurse, "GET", lambda i: "/mijn-gezinnen", n=n, warmup=w,
                           user=setup.nurse, path_label="/mijn-gezinnen"))
    ids = setup.family_ids
    results.append(counted("gezinspagina", nurse, "GET", lambda i: f"/gezinnen/{ids[i % len(ids)]}", n=n, warmup=w,
                           user=setup.nurse, path_label=f"/gezinnen/<id> ({len(ids)} ids)"))
    results.append(counted("overdrachten (jvk)", nurse, "GET", lambda i: "/overdrachten", n=n, warmup=w,
                           user=setup.nurse, path_label="/overdrachten"))
    results.append(counted("signalen (jvk)", nurse, "GET", lambda i: "/signalen", n=n, warmup=w,
                           user=setup.nurse, path_label="/signalen"))
    nurse.close()

    planner = sign_in(port, "planner.kok", DEMO_PASSWORD)
    results.append(counted("overdrachten (planner)", planner, "GET", lambda i: "/overdrachten", n=n, warmup=w,
                           user="planner.kok", path_label="/overdrachten"))
    results.append(counted("signalen (planner)", planner, "GET", lambda i: "/signalen", n=n, warmup=w,
                           user="planner.kok", path_label="/signalen"))
    planner.close()

    chair_api = api_client(port, "mdo.dejong", DEMO_PASSWORD)
    days = (1 - today.weekday()) % 7 or 7  # next Tuesday
    created = chair_api.request("POST", "/api/v1/mdo/meetings", json_body={
        "poli": "pop", "starts_at": f"{(today + timedelta(days=days)).isoformat()}T13:00"})
    if created.status != 201:
        raise RuntimeError(f"creating an MDO meeting failed: {created.status} {created.text[:300]}")
    new_meeting = created.json()["id"]
    results.append(counted("mdo_voorstel (API)", chair_api, "POST",
                           lambda i: f"/api/v1/mdo/meetings/{new_meeting}/agenda/propose", n=n, warmup=w,
                           user="mdo.dejong", path_label="/api/v1/mdo/meetings/<new id>/agenda/propose"))
    chair_api.close()
    if setup.meeting_id:
        chair = sign_in(port, setup.meeting_chair, password_of(setup.meeting_chair))
        results.append(counted("mdo_vergadering", chair, "GET", lambda i: f"/mdo/{setup.meeting_id}", n=n, warmup=w,
                               user=setup.meeting_chair, path_label=f"/mdo/<id> ({setup.meeting_items} items)"))
        chair.close()

    lead = sign_in(port, "pl.hendriks", DEMO_PASSWORD)
    results.append(counted("dashboard (1 jaar)", lead, "GET",
                           lambda i: f"/dashboard?van={year_ago.isoformat()}&tot={today.isoformat()}", n=n, warmup=w,
                           user="pl.hendriks", path_label="/dashboard?van=<today-365>&tot=<today>"))
    lead.close()

    nurse_api = api_client(port, setup.nurse, nurse_pw)
    values = search_values(nurse_api, setup.family_ids)
    if values:
        # identifying searches are POSTs (no BSN or name in a URL)
        results.append(counted(
            "zoeken_bsn (API)", nurse_api, "POST", lambda i: "/api/v1/families/search",
            body=lambda i: {"bsn": values[i % len(values)]["bsn"]}, ok=(200,),
            n=n, warmup=w, user=setup.nurse, path_label=f"POST /api/v1/families/search {{bsn}} ({len(values)} values)"))
        results.append(counted(
            "zoeken_naam (API)", nurse_api, "POST", lambda i: "/api/v1/families/search",
            body=lambda i: {"name": values[i % len(values)]["name"], "birth_date": values[i % len(values)]["birth_date"]},
            ok=(200,), n=n, warmup=w, user=setup.nurse,
            path_label=f"POST /api/v1/families/search {{name, birth_date}} ({len(values)} values)"))
        prefixes = surname_prefixes(values)
        results.append(counted(
            "zoeken_vergevingsgezind (API)", nurse_api, "POST", lambda i: "/api/v1/families/search",
            body=lambda i: {"q": prefixes[i % len(prefixes)]}, ok=(200,), n=n, warmup=w, user=setup.nurse,
            path_label=f"POST /api/v1/families/search {{q: surname prefix}} ({len(prefixes)} values)"))
    else:
        log("  no BSN visible to the nurse: searches skipped")
    nurse_api.close()

    writer = api_client(port, "jvk.smit", DEMO_PASSWORD)
    bsns = BsnSource(args.seed)
    results.append(counted("aanmelding (API POST)", writer, "POST", lambda i: "/api/v1/families", n=n, warmup=w,
                           body=lambda i: aanmelding_body(bsns), ok=(201,), user="jvk.smit",
                           path_label="/api/v1/families"))
    writer.close()

    floors = {"ping": ping}
    for r in results:
        if r["page"].startswith("floor"):
            continue
        floor = results[1] if r["page"].startswith("dashboard") else floors["ping"]
        r["floor"] = "raw SQL" if r["page"].startswith("dashboard") else "ping"
        r["p50_x_floor"] = round(r["p50"] / floor["p50"], 1) if floor["p50"] else None
        r["p95_x_floor"] = round(r["p95"] / floor["p95"], 1) if floor["p95"] else None
    return results


# ------------------------------------------------------------------ mixed load

def mixed_load(args, port: int, setup: Setup, gunicorn_pid: int) -> dict:
    threads = args.threads
    log(f"  mixed load: {threads} threads, {args.mixed_seconds} s (+{args.mixed_warmup} s warm-up), "
        f"{args.workers} workers")
    today = setup.today
    dash = f"/dashboard?van={(today - timedelta(days=365)).isoformat()}&tot={today.isoformat()}"
    bsns = BsnSource(args.seed + 1000)
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]

    # sign everyone in before the clock starts (argon2 is deliberately slow)
    workers = []
    values_cache: dict[str, list[dict]] = {}
    for t in range(threads):
        username, fids = setup.mixed_nurses[t % len(setup.mixed_nurses)]
        pw = password_of(username)
        if username not in values_cache:
            probe = api_client(port, username, pw)
            values_cache[username] = search_values(probe, fids, want=4)
            probe.close()
        workers.append({
            "nurse": sign_in(port, username, pw), "api": api_client(port, username, pw),
            "lead": sign_in(port, "pl.hendriks", DEMO_PASSWORD), "fids": fids or setup.family_ids,
            "values": values_cache[username] or [], "rng": random.Random(args.seed * 100 + t), "records": [],
        })

    start_barrier = threading.Barrier(threads + 1)
    timing = {}

    def run(wk):
        rng = wk["rng"]
        start_barrier.wait()
        measure_from, stop_at = timing["measure_from"], timing["stop_at"]
        while True:
            now = time.monotonic()
            if now >= stop_at:
                break
            kind = rng.choices(kinds, weights)[0]
            if kind == "zoeken" and not wk["values"]:
                kind = "gezinspagina"
            try:
                if kind == "gezinspagina":
                    r = wk["nurse"].request("GET", f"/gezinnen/{rng.choice(wk['fids'])}")
                elif kind == "mijn_gezinnen":
                    r = wk["nurse"].request("GET", "/mijn-gezinnen")
                elif kind == "overdrachten":
                    r = wk["nurse"].request("GET", "/overdrachten")
                elif kind == "signalen":
                    r = wk["nurse"].request("GET", "/signalen")
                elif kind == "zoeken":
                    v = rng.choice(wk["values"])
                    q = {"bsn": v["bsn"]} if rng.random() < 0.5 else {"name": v["name"], "birth_date": v["birth_date"]}
                    r = wk["api"].request("POST", "/api/v1/families/search", json_body=q)
                elif kind == "dashboard":
                    r = wk["lead"].request("GET", dash)
                else:
                    r = wk["api"].request("POST", "/api/v1/families", json_body=aanmelding_body(bsns))
                status, ms = r.status, r.ms
            except Exception as exc:  # a dropped connection is an error, not a crash of the benchmark
                status, ms = f"exception:{type(exc).__name__}", (time.monotonic() - now) * 1000
            if now >= measure_from:
                wk["records"].append((kind, status, ms, time.monotonic()))

    pool = [threading.Thread(target=run, args=(wk,), daemon=True) for wk in workers]
    for th in pool:
        th.start()
    t0 = time.monotonic()
    timing["measure_from"] = t0 + args.mixed_warmup
    timing["stop_at"] = t0 + args.mixed_warmup + args.mixed_seconds
    start_barrier.wait()
    # while the load runs: what the database backends of this database are doing (10 samples a
    # second), and the CPU used by the machine, the gunicorn workers, PostgreSQL and this client
    samples = {"total": 0, "active": 0, "lock_wait": 0, "advisory_lock_wait": 0, "io_wait": 0, "client_read": 0}
    cpu = {}

    def sampler():
        with db_conn(setup.dbname) as conn:
            while time.monotonic() < timing["measure_from"]:
                time.sleep(0.05)
            cpu["start"] = (cpu_jiffies(), process_cpu_seconds(children_of(gunicorn_pid)),
                            process_cpu_seconds(postgres_pids()), time.process_time(), time.monotonic())
            while time.monotonic() < timing["stop_at"]:
                for state, wtype, wevent, query in conn.execute(
                        "SELECT state, wait_event_type, wait_event, left(query, 200) FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
                        (setup.dbname,)).fetchall():
                    samples["total"] += 1
                    if state == "active":
                        samples["active"] += 1
                        if wtype == "Lock":
                            samples["lock_wait"] += 1
                            # the audit chain's lock: its head row (SELECT ... FOR UPDATE), or the
                            # advisory lock of the very first append (key kept for older results)
                            if wevent == "advisory" or "audit_head" in (query or ""):
                                samples["advisory_lock_wait"] += 1
                        elif wtype == "IO":
                            samples["io_wait"] += 1
                    elif wtype == "Client" and wevent == "ClientRead":
                        samples["client_read"] += 1
                time.sleep(0.1)
            cpu["end"] = (cpu_jiffies(), process_cpu_seconds(children_of(gunicorn_pid)),
                          process_cpu_seconds(postgres_pids()), time.process_time(), time.monotonic())

    watcher = threading.Thread(target=sampler, daemon=True)
    watcher.start()
    for th in pool:
        th.join()
    watcher.join()
    elapsed = args.mixed_seconds
    records = [r for wk in workers for r in wk["records"]]
    for wk in workers:
        for c in (wk["nurse"], wk["api"], wk["lead"]):
            c.close()

    def is_ok(status):
        return isinstance(status, int) and 200 <= status < 400

    errors: dict[str, int] = {}
    for kind, status, _, _ in records:
        if not is_ok(status):
            errors[f"{kind}:{status}"] = errors.get(f"{kind}:{status}", 0) + 1
    # requests that finished inside the window count towards throughput
    done_in_window = [r for r in records if r[3] <= timing["stop_at"]]
    result = {
        "threads": threads, "workers": args.workers, "worker_class": args.worker_class, "seconds": elapsed,
        "warmup_seconds": args.mixed_warmup, "mix": dict(MIX), "requests": len(records),
        "requests_per_second": round(len(done_in_window) / elapsed, 1),
        **{k: v for k, v in stats([r[2] for r in records]).items() if k != "n"},
        "errors": sum(errors.values()), "errors_by_kind": errors,
        "per_kind": {k: {**stats([r[2] for r in records if r[0] == k]),
                         "errors": sum(1 for r in records if r[0] == k and not is_ok(r[1]))} for k in kinds},
    }
    if "start" in cpu and "end" in cpu:
        (b0, t0_), g0, p0, c0, w0 = cpu["start"]
        (b1, t1_), g1, p1, c1, w1 = cpu["end"]
        wall = w1 - w0
        cores = os.cpu_count() or 1
        result["cpu"] = {
            "machine_busy_pct": round(100 * (b1 - b0) / max(1, t1_ - t0_), 1),
            "gunicorn_workers_cores": round((g1 - g0) / wall, 2), "postgresql_cores": round((p1 - p0) / wall, 2),
            "client_cores": round((c1 - c0) / wall, 2), "cores": cores,
            "gunicorn_cpu_ms_per_request": round(1000 * (g1 - g0) / max(1, len(done_in_window)), 1),
            "postgresql_cpu_ms_per_request": round(1000 * (p1 - p0) / max(1, len(done_in_window)), 1),
        }
    if samples["total"]:
        result["db_backends"] = {k: v for k, v in samples.items()}
        result["db_backends"]["note"] = ("pg_stat_activity samples (10/s) of this database's client backends: "
                                         "active, waiting for a lock (advisory_lock_wait = the audit chain's lock: "
                                         "its head row or the first append's advisory lock), "
                                         "idle waiting for the app (ClientRead)")
    log(f"  mixed: {result['requests_per_second']} req/s, p50 {result['p50']} p95 {result['p95']} "
        f"p99 {result['p99']} ms, errors {result['errors']}")
    return result


# ------------------------------------------------------------------ machine info and reports

def source_digest() -> str:
    """SHA-256 over the application's source (igp/, consent/, config/, templates/, migrations/): ties the
    results to a state of the code without asking version control."""
    import hashlib

    digest = hashlib.sha256()
    for folder in ("igp", "consent", "config", "templates", "migrations"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc",):
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def machine_info() -> dict:
    info = {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    try:
        info["nproc"] = int(subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip())
    except (OSError, ValueError):
        pass
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    with admin_conn() as conn:
        info["postgresql"] = conn.execute("SELECT version()").fetchone()[0]
        info["postgresql_settings"] = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in (
            "shared_buffers", "work_mem", "effective_cache_size", "max_connections", "synchronous_commit")}
    try:
        out = subprocess.run([str(BIN / "gunicorn"), "--version"], capture_output=True, text=True)
        info["gunicorn"] = (out.stdout or out.stderr).strip()
    except OSError:
        pass
    try:
        import importlib.metadata as md

        info["packages"] = {p: md.version(p) for p in ("flask", "sqlalchemy", "psycopg", "jinja2", "werkzeug")}
    except Exception:
        pass
    return info


def fmt(value, digits=1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def page_rows(size: dict) -> list[dict]:
    return [p for p in size.get("pages", []) if not p["page"].startswith("floor")]


def evaluate(report: dict) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) rows."""
    sizes = [s for s in report["sizes"] if s.get("pages")]
    rows = []
    for s in sizes:
        pages = [p for p in page_rows(s) if not p["page"].startswith("dashboard")]
        over = [p for p in pages if p["p95"] >= PAGE_P95_MS]
        worst = max(pages, key=lambda p: p["p95"])
        measured = f"worst: {worst['page']} {fmt(worst['p95'])} ms"
        if over:
            measured += "; over: " + ", ".join(f"{p['page']} {fmt(p['p95'])}" for p in over)
        rows.append((f"every page p95 < {PAGE_P95_MS} ms ({size_label(s['families'])})", measured,
                     "missed" if over else "met"))
    for s in sizes:
        floored = [p for p in page_rows(s) if p.get("p95_x_sql_floor") is not None]
        if floored:
            over = [p for p in floored if p["p95_x_sql_floor"] > SQL_FLOOR_MAX]
            worst = max(floored, key=lambda p: p["p95_x_sql_floor"])
            measured = f"worst: {worst['page']} ×{fmt(worst['p95_x_sql_floor'])}"
            if over:
                measured += "; over: " + ", ".join(f"{p['page']} ×{fmt(p['p95_x_sql_floor'])}" for p in over)
            rows.append((f"every page p95 ≤ {SQL_FLOOR_MAX:g}x its SQL floor ({size_label(s['families'])})", measured,
                         "missed" if over else "met"))
    for s in sizes:
        dash = [p for p in page_rows(s) if p["page"].startswith("dashboard")]
        if dash:
            d = dash[0]
            rows.append((f"dashboard (1 year) p95 < {DASHBOARD_P95_MS} ms ({size_label(s['families'])})",
                         f"{fmt(d['p95'])} ms (p50 {fmt(d['p50'])})", "met" if d["p95"] < DASHBOARD_P95_MS else "missed"))
    for s in sizes:
        varying = [p for p in page_rows(s) if not p.get("queries_constant", True)]
        rows.append((f"query count the same on every request of a page ({size_label(s['families'])})",
                     "all constant" if not varying else "varies: " + ", ".join(
                         f"{p['page']} {p['queries_min']}–{p['queries_max']}" for p in varying),
                     "met" if not varying else "missed"))
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        a, b = size_label(small["families"]), size_label(large["families"])
        by_small = {p["page"]: p for p in page_rows(small)}
        diffs, growth_bad, growth_text = [], [], []
        for p in page_rows(large):
            q = by_small.get(p["page"])
            if not q:
                continue
            if p["queries"] != q["queries"]:
                diffs.append(f"{p['page']} {q['queries']}→{p['queries']}")
            g50 = p["p50"] / q["p50"] if q["p50"] else None
            g95 = p["p95"] / q["p95"] if q["p95"] else None
            worst_g = max(x for x in (g50, g95) if x is not None)
            if worst_g > GROWTH_MAX:
                shows = ""
                if p.get("families_read") and q.get("families_read") and p["families_read"] != q["families_read"]:
                    shows = f", reading ×{p['families_read'] / q['families_read']:.1f} the families"
                growth_bad.append(f"{p['page']} ×{g50:.1f} (p50) ×{g95:.1f} (p95){shows}")
            growth_text.append((worst_g, p["page"], g50, g95))
        rows.append((f"query count equal at {a} and {b}", "all equal" if not diffs else "differs: " + ", ".join(diffs),
                     "met" if not diffs else "missed"))
        top = max(growth_text) if growth_text else None
        measured = (f"largest: {top[1]} ×{top[2]:.2f} (p50) ×{top[3]:.2f} (p95)" if top else "–")
        if growth_bad:
            measured += "; over 2x: " + ", ".join(growth_bad)
        rows.append((f"latency growth {a}→{b} ≤ {GROWTH_MAX:g}x (p50 and p95, per page)", measured,
                     "met" if not growth_bad else "missed"))
    for s in sizes:
        m = s.get("mixed")
        if not m:
            continue
        ok = m["requests_per_second"] >= MIXED_RPS and m["p95"] < MIXED_P95_MS and m["errors"] == 0
        rows.append((f"mixed load ≥ {MIXED_RPS} req/s, p95 < {MIXED_P95_MS} ms, no errors ({size_label(s['families'])})",
                     f"{fmt(m['requests_per_second'])} req/s, p95 {fmt(m['p95'])} ms, p99 {fmt(m['p99'])} ms, "
                     f"{m['errors']} errors", "met" if ok else "missed"))
    return rows


def markdown(report: dict) -> str:
    lines = [f"# IGP benchmark {report['timestamp']}", ""]
    m = report["machine"]
    a = report["arguments"]
    lines += [f"Command: `{report['command']}`", "",
              f"Machine: {m.get('nproc')} cores ({m.get('cpu', '?')}), {m.get('memory_gb', '?')} GB, "
              f"Python {m.get('python')}, {m.get('postgresql', '').split(' on ')[0]}, {m.get('gunicorn', '')}; "
              f"gunicorn {a['workers']} {a['worker_class']} workers"
              f"{' with --config ' + a['gunicorn_conf'] if a.get('gunicorn_conf') else ''}; client and server on the same machine. "
              f"Application source digest `{report.get('source_digest', '?')}`.", ""]
    lines += ["## Summary against the targets", "", "| target | measured | |", "|---|---|---|"]
    for target, measured, verdict in evaluate(report):
        lines.append(f"| {target} | {measured} | **{verdict}** |")
    lines.append("")
    measured = [s for s in report["sizes"] if s.get("pages")]
    if measured:
        names = [p["page"] for p in page_rows(measured[0])]
        labels = [size_label(s["families"]) for s in measured]
        lines += ["## Per page across sizes", "",
                  "p95 in ms and SQL statements per request (`a/b` = differs between requests).", "",
                  "| page | " + " | ".join(f"p95 {x}" for x in labels) + " | " +
                  " | ".join(f"SQL {x}" for x in labels) + " |",
                  "|---|" + "---:|" * (2 * len(labels))]
        for name in names:
            cells_p, cells_q = [], []
            for s in measured:
                row = next((p for p in page_rows(s) if p["page"] == name), None)
                cells_p.append(fmt(row["p95"]) if row else "–")
                q = row.get("queries") if row else "–"
                cells_q.append("/".join(map(str, q)) if isinstance(q, list) else str(q))
            lines.append(f"| {name} | " + " | ".join(cells_p) + " | " + " | ".join(cells_q) + " |")
        lines.append("")
    lines += ["## Data generation", "", "| families | synth (s) | families/s | database size | nurse (active families; "
              "mean) |", "|---:|---:|---:|---:|---|"]
    for s in report["sizes"]:
        syn = s.get("synth", {})
        sel = s.get("selection", {})
        lines.append(f"| {s['families']:,} | {fmt(syn.get('seconds'))} | {fmt(syn.get('families_per_second'))} | "
                     f"{s.get('database_size', '–')} | {sel.get('nurse', '–')} ({sel.get('nurse_active_families', '–')}; "
                     f"{sel.get('mean_active_families_per_nurse', '–')}) |")
    lines.append("")
    for s in report["sizes"]:
        if not s.get("pages"):
            lines += [f"## {s['families']:,} families", "", f"Not measured: {s.get('error', 'unknown')}", ""]
            continue
        ic = s.get("idle_check", {})
        sel = s.get("selection", {})
        lines += [f"## {s['families']:,} families", "",
                  f"Nurse `{sel.get('nurse')}`: {sel.get('nurse_active_families')} active families (mean over "
                  f"{sel.get('nurses_present')} present nurses: {sel.get('mean_active_families_per_nurse')}); "
                  f"family pages: {len(sel.get('family_ids', []))} of its active families; MDO meeting "
                  f"{sel.get('mdo_meeting_id')} ({sel.get('mdo_meeting_items')} items) as its chair "
                  f"`{sel.get('mdo_meeting_chair')}`."
                  + (f" **The application source changed while this size was measured** (digest "
                     f"`{s.get('source_digest_before')}` → `{s.get('source_digest_after')}`)."
                     if s.get("source_digest_before") != s.get("source_digest_after") else
                     f" Source digest `{s.get('source_digest_before')}`."), "",
                  f"{a['requests']} sequential requests per page after {a['warmup']} warm-up requests; latency in ms "
                  f"(client side, loopback). Load average before measuring: {ic.get('loadavg')}.", "",
                  "| page | user | p50 | p95 | p99 | SQL statements | families read | p50 × floor | p95 × floor "
                  "| SQL floor p50 / p95 | p95 × SQL floor | errors |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for p in s["pages"]:
            q = p.get("queries", "–")
            q = q if not isinstance(q, list) else "/".join(map(str, q)) + " (varies)"
            if p["page"].startswith("floor: dashboard SQL"):
                q = "1"
            xf = (f"{fmt(p.get('p50_x_floor'))} ({p['floor']})" if p.get("floor") else "–")
            sf = p.get("sql_floor")
            sft = f"{fmt(sf['p50'])} / {fmt(sf['p95'])}" if sf else "–"
            lines.append(f"| {p['page']} | {p['user']} | {fmt(p['p50'])} | {fmt(p['p95'])} | {fmt(p['p99'])} | {q} | "
                         f"{fmt(p.get('families_read'))} | {xf} | {fmt(p.get('p95_x_floor'))} | {sft} | "
                         f"{fmt(p.get('p95_x_sql_floor'))} | {p.get('errors', 0)} |")
        mx = s.get("mixed")
        if mx:
            lines += ["", f"Mixed load: {mx['threads']} client threads, {mx['workers']} {mx['worker_class']} workers, "
                      f"{mx['seconds']} s after {mx['warmup_seconds']} s warm-up: **{fmt(mx['requests_per_second'])} "
                      f"req/s**, p50 {fmt(mx['p50'])} / p95 {fmt(mx['p95'])} / p99 {fmt(mx['p99'])} ms, "
                      f"{mx['errors']} errors{(' ' + json.dumps(mx['errors_by_kind'])) if mx['errors'] else ''}.", "",
                      "| kind | share | requests | p50 | p95 | p99 | errors |", "|---|---:|---:|---:|---:|---:|---:|"]
            for kind, weight in MIX:
                k = mx["per_kind"].get(kind, {})
                lines.append(f"| {kind} | {weight}% | {k.get('n', 0)} | {fmt(k.get('p50'))} | {fmt(k.get('p95'))} | "
                             f"{fmt(k.get('p99'))} | {k.get('errors', 0)} |")
            cpu, dbb = mx.get("cpu"), mx.get("db_backends")
            if cpu:
                lines += ["", f"CPU during the mixed load: machine {cpu['machine_busy_pct']}% busy of {cpu['cores']} "
                          f"cores; gunicorn workers {cpu['gunicorn_workers_cores']} cores "
                          f"({cpu['gunicorn_cpu_ms_per_request']} ms CPU per request), PostgreSQL "
                          f"{cpu['postgresql_cores']} cores ({cpu['postgresql_cpu_ms_per_request']} ms per request), "
                          f"client {cpu['client_cores']} cores."]
            if dbb:
                lines += ["", f"Database backends ({dbb['total']} samples): {dbb['active']} active, "
                          f"{dbb['lock_wait']} waiting for a lock ({dbb['advisory_lock_wait']} for the audit chain's lock, "
                          f"its head row or advisory), {dbb['io_wait']} waiting for I/O, {dbb['client_read']} idle waiting for "
                          f"the application."]
        lines.append("")
    slow = [(s, s["slow_statements"]) for s in report["sizes"] if s.get("slow_statements", {}).get("top")]
    if slow:
        lines += ["## Slow statements", "", f"Statements slower than {a.get('log_slow_ms')} ms in the PostgreSQL "
                  "log during the measurements (shapes, top 5 by total time per size).", "",
                  "| size | count | total ms | max ms | statement |", "|---|---:|---:|---:|---|"]
        for s, sl in slow:
            for t in sl["top"][:5]:
                text = t["statement"][:150].replace("|", "\\|")
                lines.append(f"| {size_label(s['families'])} | {t['count']} | {fmt(t['total_ms'])} | "
                             f"{fmt(t['max_ms'])} | `{text}…` |")
        lines.append("")
    lines += ["Floors: `floor: /bench/ping` is a constant route through the same gunicorn (framework, session, "
              "access check, commit); `floor: dashboard SQL` is the dashboard's main GROUP BY run directly with "
              "psycopg. Pages are compared with the ping floor, the dashboard with the raw SQL floor. "
              "`SQL floor` is each page's own floor (issue 21): the statements of the same request, captured "
              "in-process and replayed directly with psycopg in a rolled-back transaction (`bench/floors.py`); "
              "`p95 × SQL floor` is the page's p95 over the floor's p95 (target ≤ "
              f"{SQL_FLOOR_MAX:g}). `families read` is the page's audit entries that name a family, per "
              "request: one per family shown or written (NEN 7513), so a page that grows from one size to "
              "the next because it shows more families (more open handovers on the board, a longer MDO "
              "proposal) can be told from one that grows with data it does not show.", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma separated numbers of families")
    parser.add_argument("--requests", type=int, default=200, help="measured sequential requests per page")
    parser.add_argument("--warmup", type=int, default=20,
                        help="warm-up requests per page (at least 10), spread over parallel connections")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the igp_bench_* databases afterwards")
    parser.add_argument("--no-sql-floors", action="store_true",
                        help="skip the SQL floor per page (bench/floors.py: the request's SQL replayed directly)")
    parser.add_argument("--reuse", action="store_true",
                        help="use an existing igp_bench_<size> database as it is (no recreate, no synth)")
    parser.add_argument("--mixed-seconds", type=int, default=30, help="duration of the mixed load (0: skip)")
    parser.add_argument("--mixed-warmup", type=int, default=3, help="unmeasured seconds before the mixed load")
    parser.add_argument("--threads", type=int, default=12, help="client threads of the mixed load")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="gunicorn workers (default: one per core, as config/gunicorn.py ships)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class")
    parser.add_argument("--gunicorn-conf", default="config/gunicorn.py",
                        help="gunicorn configuration file (default: the production one, config/gunicorn.py; "
                             "'' for none); --workers etc. override it")
    parser.add_argument("--idle-wait", type=int, default=900,
                        help="seconds to wait at most while pytest processes use the cores")
    parser.add_argument("--log-slow-ms", type=int, default=None,
                        help="log statements slower than this on the benchmark database (ALTER DATABASE ... SET "
                             "log_min_duration_statement) and summarise them from the server log")
    parser.add_argument("--pg-log", default="/var/log/postgresql/postgresql-15-main.log",
                        help="the PostgreSQL server log (for --log-slow-ms)")
    parser.add_argument("--out", default=str(RESULTS), help="results folder")
    parser.add_argument("--from-json", metavar="FILE", help="only render the Markdown of an earlier results file")
    args = parser.parse_args(argv)
    if args.from_json:
        report = json.loads(Path(args.from_json).read_text())
        md = markdown(report) + f"\nTotal duration of the run: {report['duration_s'] / 60:.1f} minutes.\n"
        Path(args.from_json).with_suffix(".md").write_text(md)
        print(md)
        return 0
    if not (BIN / "gunicorn").exists():  # before minutes of synth, not after
        print(f"gunicorn is not installed in {BIN.parent}: run  {BIN / 'pip'} install -e '.[prod]'", file=sys.stderr)
        return 2
    args.warmup = max(10, args.warmup)
    global WARM_PARALLEL, IDLE_WAIT
    WARM_PARALLEL = max(2, args.workers)
    IDLE_WAIT = args.idle_wait
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    run_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"igp-bench-{stamp}"
    run_dir.mkdir(parents=True, exist_ok=True)
    command = " ".join([".venv/bin/python", "bench/run.py", *(argv if argv is not None else sys.argv[1:])])
    report = {"timestamp": stamp, "command": command, "arguments": vars(args), "machine": machine_info(),
              "source_digest": source_digest(),
              "targets": {"page_p95_ms": PAGE_P95_MS, "dashboard_p95_ms": DASHBOARD_P95_MS, "growth_max": GROWTH_MAX,
                          "mixed_rps": MIXED_RPS, "mixed_p95_ms": MIXED_P95_MS}, "sizes": []}
    log(f"IGP benchmark {stamp}: sizes {sizes}; logs in {run_dir}")
    started = time.monotonic()
    try:
        for n in sizes:
            try:
                report["sizes"].append(measure_size(args, n, run_dir))
            except Exception as exc:
                log(f"  size {n} failed: {type(exc).__name__}: {exc}")
                report["sizes"].append({"families": n, "error": f"{type(exc).__name__}: {exc}"[:500]})
            finally:
                if not args.keep:
                    drop_database(f"igp_bench_{size_label(n)}")
            write_results(report, out_dir, stamp, started)  # after every size: partial results survive
    except KeyboardInterrupt:
        log("interrupted; writing what was measured")
    write_results(report, out_dir, stamp, started)
    for target, measured, verdict in evaluate(report):
        log(f"{verdict.upper():6} {target}: {measured}")
    return 0 if all(s.get("pages") for s in report["sizes"]) else 1


def write_results(report: dict, out_dir: Path, stamp: str, started: float) -> None:
    report["duration_s"] = round(time.monotonic() - started, 1)
    (out_dir / f"{stamp}.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    md = markdown(report) + f"\nTotal duration of the run: {report['duration_s'] / 60:.1f} minutes.\n"
    (out_dir / f"{stamp}.md").write_text(md)
    (out_dir / "latest.md").write_text(md)


if __name__ == "__main__":
    sys.exit(main())
