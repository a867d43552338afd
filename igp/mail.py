"""Outgoing e-mail, sent only after the transaction that queued it has committed.

Backends (IGP_MAIL_BACKEND): `console` (log a summary), `file` (.eml files in
IGP_MAIL_FILE_DIR), `smtp`, and `memory` for tests (app.extensions["igp_outbox"]).
Mails never contain personal data of families: pseudonyms, dates and links only.
"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from pathlib import Path

from flask import current_app
from sqlalchemy.orm import Session

from igp import clock
from igp.extensions import db

log = logging.getLogger("igp.mail")
OUTBOX_KEY = "igp_mail_outbox"


def queue(to: str, subject: str, body: str, session: Session | None = None) -> None:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    target = session if session is not None else db.session()
    target.info.setdefault(OUTBOX_KEY, []).append((current_app._get_current_object(), message))


def deliver(app, message: EmailMessage) -> None:
    backend = app.config["MAIL_BACKEND"]
    if backend == "memory":
        app.extensions.setdefault("igp_outbox", []).append(message)
    elif backend == "file":
        folder = Path(app.config["MAIL_FILE_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        stamp = clock.now().strftime("%Y%m%dT%H%M%S%f")
        (folder / f"{stamp}-{abs(hash(message['To'])) % 10**8}.eml").write_bytes(bytes(message))
    elif backend == "smtp":
        with smtplib.SMTP(app.config["SMTP_HOST"], app.config["SMTP_PORT"], timeout=30) as smtp:
            if app.config["SMTP_STARTTLS"]:
                smtp.starttls()
            if app.config["SMTP_USER"]:
                smtp.login(app.config["SMTP_USER"], app.config["SMTP_PASSWORD"] or "")
            smtp.send_message(message)
    else:  # console: no body in the log (it lists pseudonyms), only that a mail went out
        log.info("mail to %s: %s", message["To"], message["Subject"])


def _send_after_commit(session: Session) -> None:
    outbox = session.info.pop(OUTBOX_KEY, None)
    for app, message in outbox or []:
        try:
            deliver(app, message)
        except (OSError, smtplib.SMTPException):
            log.exception("sending mail failed (to %s)", message["To"])


def _drop_on_rollback(session: Session, previous_transaction) -> None:
    session.info.pop(OUTBOX_KEY, None)


# installed on the Session by igp.app.install_session_hooks (create_app), never at import
SESSION_HOOKS = (("after_commit", _send_after_commit), ("after_soft_rollback", _drop_on_rollback))

