"""Encryption at rest and blind indexes.

* Sensitive columns use the column types below. They encrypt with MultiFernet: the first
  key of IGP_ENCRYPTION_KEYS encrypts, every key decrypts, `rotate_all()` re-encrypts
  everything with the first key so an old key can be dropped.
* Exact-match search uses a keyed blind index: HMAC-SHA256 with IGP_BLIND_INDEX_KEY (kept
  apart from the encryption keys) over a normalised value. Never a plain hash: a BSN has
  only 10^9 values and a plain hash of one is reversed in seconds.

The keys live on the app (`app.extensions["igp_crypto"]`); nothing is read at import.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import unicodedata
from datetime import date

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import LargeBinary, Text, literal, select, type_coerce, update
from sqlalchemy.types import TypeDecorator


class UnstorableText(ValueError):
    """Text with characters that have no UTF-8 form (a lone surrogate such as '\\ud800' from a
    JSON escape). The request layer refuses such input first, naming the field (422); this is
    the last line, so encrypting or indexing never fails with UnicodeEncodeError."""

    def __init__(self):
        super().__init__("text holds a character without a UTF-8 form (a lone surrogate)")


def utf8(text: str) -> bytes:
    """text.encode('utf-8'), or UnstorableText."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise UnstorableText() from None


class Keyring:
    def __init__(self, encryption_keys: list[str], index_key: str):
        if not encryption_keys:
            raise ValueError("at least one encryption key is needed")
        self.fernets = [Fernet(k.encode() if isinstance(k, str) else k) for k in encryption_keys]
        self.multi = MultiFernet(self.fernets)
        self.index_key = index_key.encode()

    def encrypt(self, data: bytes) -> bytes:
        return self.multi.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        return self.multi.decrypt(token)

    def rotate(self, token: bytes) -> bytes:
        return self.multi.rotate(token)

    def is_current(self, token: bytes) -> bool:
        """True when the first (current) key decrypts the token."""
        try:
            self.fernets[0].decrypt(token)
        except InvalidToken:
            return False
        return True


def keyring() -> Keyring:
    return current_app.extensions["igp_crypto"]


class EncryptedText(TypeDecorator):
    """Free text or an identifier, stored as a Fernet token."""

    impl = Text
    cache_ok = True

    def encode(self, value) -> bytes:
        return utf8(str(value))

    def decode(self, data: bytes):
        return data.decode("utf-8")

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return keyring().encrypt(self.encode(value)).decode("ascii")

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return self.decode(keyring().decrypt(value.encode("ascii")))


class EncryptedDate(EncryptedText):
    """A date (birth date, due date) stored encrypted as ISO text."""

    cache_ok = True

    def encode(self, value) -> bytes:
        if not isinstance(value, date):
            raise TypeError("EncryptedDate takes a date")
        return value.isoformat().encode("ascii")

    def decode(self, data: bytes):
        return date.fromisoformat(data.decode("ascii"))


class EncryptedInteger(EncryptedText):
    """A number that is health data (birth weight, gestational age) stored encrypted."""

    cache_ok = True

    def encode(self, value) -> bytes:
        return str(int(value)).encode("ascii")

    def decode(self, data: bytes):
        return int(data.decode("ascii"))


class EncryptedJSON(EncryptedText):
    """A small JSON document (lists of codes with free text) stored encrypted."""

    cache_ok = True

    def encode(self, value) -> bytes:
        return utf8(json.dumps(value, ensure_ascii=False, sort_keys=True))

    def decode(self, data: bytes):
        return json.loads(data.decode("utf-8"))


class EncryptedBytes(TypeDecorator):
    """A file (a scanned consent form) stored encrypted."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return keyring().encrypt(bytes(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return keyring().decrypt(bytes(value))


ENCRYPTED_TYPES = (EncryptedText, EncryptedBytes)


# ---------------------------------------------------------------- blind indexes

def normalise_text(value: str) -> str:
    """Lower case, accents removed, whitespace collapsed: 'José  de Vries' -> 'jose de vries'."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def normalise_bsn(value: str) -> str:
    digits = "".join(c for c in str(value) if c.isdigit())
    return digits.zfill(9) if 8 <= len(digits) <= 9 else digits


def blind_index(kind: str, value: str, key: bytes | None = None) -> str:
    """HMAC-SHA256 over 'kind:value' with the index key; hex digest."""
    key = key if key is not None else keyring().index_key
    message = utf8(f"{kind}:{value}")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def bsn_index(bsn: str) -> str:
    return blind_index("bsn", normalise_bsn(bsn))


def name_birth_index(name: str, birth_date: date) -> str:
    return blind_index("naam_geboortedatum", f"{normalise_text(name)}|{birth_date.isoformat()}")


# ---------------------------------------------------------------- key rotation

def encrypted_columns(metadata):
    """(table, column) pairs of every encrypted column in the schema."""
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, ENCRYPTED_TYPES):
                yield table, column


def rotate_all(session, metadata, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every encrypted value with the current key. Returns counts per table.column.

    Works on the raw tokens (no decoding to Python values and back), in primary-key batches,
    inside the caller's transaction: either every value is rotated or, on error, none.
    """
    ring = keyring()
    counts: dict[str, int] = {}
    for table, column in encrypted_columns(metadata):
        pk = list(table.primary_key.columns)[0]
        is_bytes = isinstance(column.type, EncryptedBytes)
        stored = _raw(column)
        done = 0
        last = None
        while True:
            stmt = select(pk, stored).where(stored.is_not(None)).order_by(pk).limit(batch_size)
            if last is not None:
                stmt = stmt.where(pk > last)
            rows = session.execute(stmt).all()
            if not rows:
                break
            for row_id, token in rows:
                token_bytes = bytes(token) if is_bytes else token.encode("ascii")
                new = ring.rotate(token_bytes)
                session.execute(
                    update(table).where(pk == row_id).values(
                        {column.name: _raw_literal(column, new if is_bytes else new.decode("ascii"))}
                    )
                )
                done += 1
                last = row_id
        counts[f"{table.name}.{column.name}"] = done
    return counts


def _raw(column):
    """The column read without its TypeDecorator (the stored token)."""
    impl = LargeBinary() if isinstance(column.type, EncryptedBytes) else Text()
    return type_coerce(column, impl)


def _raw_literal(column, value):
    impl = LargeBinary() if isinstance(column.type, EncryptedBytes) else Text()
    return literal(value, type_=impl)
