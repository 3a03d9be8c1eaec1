"""Encryption at rest for names and contact details.

A short field on cryptography's MultiFernet with its own key list
(settings.FIELD_ENCRYPTION_KEYS): the first key encrypts, every key decrypts, so a
key can be rotated without making data unreadable. Encrypted values differ on
every write, so they cannot be filtered, ordered or indexed: exact-match search
goes through a separate HMAC "blind index" column (see `blind_index`).
"""

import hashlib
import hmac
import unicodedata
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

PREFIX = "fernet:"


@lru_cache(maxsize=8)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return PREFIX + fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token.startswith(PREFIX):
        raise ValueError("value is not encrypted")
    try:
        return fernet().decrypt(token[len(PREFIX) :].encode()).decode()
    except InvalidToken as error:
        raise ValueError("no configured key decrypts this value") from error


def rotate(token: str) -> str:
    """Re-encrypt a stored token under the first (current) key."""
    return PREFIX + fernet().rotate(token[len(PREFIX) :].encode()).decode()


# Invisible characters that Khmer text often carries (U+200B marks word breaks,
# since Khmer has no spaces) and copies from documents bring in (U+FEFF): a name
# typed with them and without them is the same name.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff"))


def normalise_name(*parts: str) -> str:
    """Casefolded, NFC-normalised, single-spaced: 'Srey  Mom' and 'srey mom' match."""
    text = " ".join(p for p in parts if p).translate(_INVISIBLE)
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def blind_index(*parts: str) -> str:
    normalised = normalise_name(*parts)
    if not normalised:
        return ""
    key = settings.BLIND_INDEX_KEY.encode()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text field stored as a Fernet token; reads give back the clear text."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def to_python(self, value):
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def get_lookup(self, lookup_name):
        # Only isnull makes sense on ciphertext; anything else would silently
        # compare tokens and find nothing.
        if lookup_name not in {"isnull"}:
            return None
        return super().get_lookup(lookup_name)


def encrypt_plain_column(table: str, column: str):
    """A RunPython step that encrypts the clear values left in a column that has
    just become an EncryptedTextField (nothing to do on an empty database)."""

    def forwards(apps, schema_editor):
        connection = schema_editor.connection
        quoted_table = connection.ops.quote_name(table)
        quoted_column = connection.ops.quote_name(column)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, {quoted_column} FROM {quoted_table} "
                f"WHERE {quoted_column} <> '' AND {quoted_column} NOT LIKE %s",
                [PREFIX + "%"],
            )
            rows = cursor.fetchall()
            for pk, value in rows:
                cursor.execute(
                    f"UPDATE {quoted_table} SET {quoted_column} = %s WHERE id = %s",
                    [encrypt(value), pk],
                )

    return forwards
