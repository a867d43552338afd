"""Witnesses of the audit chain head, outside the database.

A chain kept only in the database cannot prove that it was not rolled back (an old head put
back after the newest entries were deleted) or wiped (both tables emptied): the attacker who
can do that can also make the head agree. So, like Certificate Transparency logs publishing
signed tree heads, every commit that appends to the chain publishes the new head, signed with
the audit key (HMAC-SHA256; the key is never in the database), to one or more witnesses:

* an append-only file (IGP_AUDIT_WITNESS), ideally on another disk or machine, and/or
* syslog (IGP_AUDIT_WITNESS_SYSLOG), which the operator forwards to another machine.

`audit verify` compares the chain with the latest witnessed head (see services.verify_chain).

One head is one line of text, so a line forwarded by syslog (with its own prefix) or copied
from a log server reads back the same:

    IGP-AUDIT-HEAD v=1 seq=5468 hash=<64 hex> at=2026-11-24T09:00:00.000000Z sig=<64 hex>

A restore from a backup legitimately takes the chain back; the operator then writes a signed
restore line (`flask audit witness --restored "reason"`), and heads witnessed before it no
longer count. This module has no Flask import: the app builds one Witness in create_app.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

log = logging.getLogger("igp.audit.witness")

HEAD_MARK = "IGP-AUDIT-HEAD"
RESTORE_MARK = "IGP-AUDIT-RESTORE"
VERSION = "1"
_LINE_RE = re.compile(
    r"(?P<mark>IGP-AUDIT-HEAD|IGP-AUDIT-RESTORE) v=(?P<v>\d+) seq=(?P<seq>\d+) hash=(?P<hash>[0-9a-f]{64}) "
    r"at=(?P<at>\S+) sig=(?P<sig>[0-9a-f]{64})")
SYSLOG_FACILITIES = ("authpriv", "auth", "user", "daemon", "local0", "local1", "local2", "local3", "local4",
                     "local5", "local6", "local7")


def _sign(key: bytes, mark: str, seq: int, digest: str, at: str) -> str:
    message = f"igp-audit-witness:v{VERSION}:{mark}:{seq}:{digest}:{at}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _timestamp(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def format_line(key: bytes, seq: int, digest: str, at: datetime, *, mark: str = HEAD_MARK) -> str:
    stamp = _timestamp(at)
    return f"{mark} v={VERSION} seq={seq} hash={digest} at={stamp} sig={_sign(key, mark, seq, digest, stamp)}"


@dataclass(frozen=True)
class WitnessedHead:
    seq: int
    hash: str
    at: str
    source: str       # "file:line" for the report


@dataclass
class WitnessLog:
    """What the witnesses say: heads after the last restore line, and lines whose signature is
    wrong (someone wrote to the witness without the key)."""

    heads: dict[int, WitnessedHead] = field(default_factory=dict)
    forged: list[str] = field(default_factory=list)
    restore: WitnessedHead | None = None
    sources: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    @property
    def latest(self) -> WitnessedHead | None:
        return self.heads[max(self.heads)] if self.heads else None


def read_witness(paths: Iterable[str | os.PathLike], key: bytes) -> WitnessLog:
    """Parse witness files (the app's own file, a copy from the log server, rotated files).
    Lines without the marker are ignored (syslog files hold other lines too)."""
    result = WitnessLog()
    entries: list[tuple[str, WitnessedHead]] = []
    for path in paths:
        path = Path(path)
        result.sources.append(str(path))
        try:
            handle = path.open("r", encoding="utf-8", errors="replace")
        except FileNotFoundError:
            continue  # nothing witnessed yet (a fresh installation)
        except OSError as exc:
            result.unreadable.append(f"{path}: {exc.strerror or exc.__class__.__name__}")
            continue
        with handle:
            for number, line in enumerate(handle, start=1):
                if HEAD_MARK not in line and RESTORE_MARK not in line:
                    continue
                where = f"{path}:{number}"
                match = _LINE_RE.search(line)
                if match is None or match["v"] != VERSION:
                    result.forged.append(where)
                    continue
                seq, digest, at = int(match["seq"]), match["hash"], match["at"]
                if not hmac.compare_digest(_sign(key, match["mark"], seq, digest, at), match["sig"]):
                    result.forged.append(where)
                    continue
                entries.append((match["mark"], WitnessedHead(seq, digest, at, where)))
    # lines from several files are ordered by their own time stamps; a restore line resets
    entries.sort(key=lambda pair: pair[1].at)
    for mark, head in entries:
        if mark == RESTORE_MARK:
            result.restore = head
            result.heads = {head.seq: head}
        else:
            result.heads[head.seq] = head
    return result


class Witness:
    """Publishes heads to the configured targets. Writing never raises: the commit it follows
    has already happened; a failure is logged (without personal data) so the operator sees it,
    and a witness that lags behind is never mistaken for tampering."""

    def __init__(self, key: bytes, *, path: str | None = None, syslog_facility: str | None = None):
        self.key = key
        self.path = path or None
        self.syslog_facility = syslog_facility or None
        if self.syslog_facility and self.syslog_facility not in SYSLOG_FACILITIES:
            raise ValueError(f"unknown syslog facility {self.syslog_facility!r}")
        self._syslog_open = False

    @property
    def enabled(self) -> bool:
        return bool(self.path or self.syslog_facility)

    def publish(self, seq: int, digest: str, at: datetime, *, mark: str = HEAD_MARK) -> str:
        line = format_line(self.key, seq, digest, at, mark=mark)
        if self.path:
            self._append(line)
        if self.syslog_facility:
            self._syslog(line)
        return line

    def _append(self, line: str) -> None:
        try:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            # O_APPEND: one write per line, never interleaved with another worker's line
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                os.write(fd, (line + "\n").encode("ascii"))
            finally:
                os.close(fd)
        except OSError as exc:
            log.error("audit witness file %s could not be written: %s", self.path,
                      exc.strerror or exc.__class__.__name__)

    def _syslog(self, line: str) -> None:
        import syslog

        try:
            if not self._syslog_open:
                facility = getattr(syslog, f"LOG_{self.syslog_facility.upper()}")
                syslog.openlog("igp-audit", syslog.LOG_PID, facility)
                self._syslog_open = True
            syslog.syslog(syslog.LOG_NOTICE, line)
        except OSError as exc:  # pragma: no cover - the C library drops messages silently
            log.error("audit witness syslog could not be written: %s", exc.__class__.__name__)

    def files(self) -> list[str]:
        return [self.path] if self.path else []
