"""Encryption at rest for names, contact details and free text.

A short field on cryptography's MultiFernet with its own key list
(settings.FIELD_ENCRYPTION_KEYS): the first key encrypts, every key decrypts, so a
key can be rotated without making data unreadable. Encrypted values differ on
every write, so they cannot be filtered, ordered or indexed: exact-match search
goes through a separate HMAC "blind index" column (see `blind_index` for names,
`ExactIndexField` for a reference that must stay unique and be looked up).
An empty value is stored empty, so `field=""` still works in SQL.
"""

import hashlib
import hmac
import unicodedata
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.conf import settings
from django.core.exceptions import FieldError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.expressions import Col
from django.db.models.lookups import Exact, In

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


def exact_index(value: str) -> str:
    """A keyed hash of a value exactly as typed, for an encrypted reference that
    must stay unique and be found (a court reference); names go through
    `blind_index`, which forgives case and spacing."""
    if not value:
        return ""
    key = settings.BLIND_INDEX_KEY.encode()
    # Tagged, so that a reference and a name of the same letters hash apart.
    return hmac.new(key, b"exact:" + value.encode(), hashlib.sha256).hexdigest()


class _EmptyExact(Exact):
    """`field=""` on ciphertext: an empty value is stored empty, so a check
    constraint or `exclude(field="")` can test for emptiness; comparing with any
    other value would compare tokens and silently find nothing."""

    def __init__(self, lhs, rhs):
        if rhs is not None and rhs != "":
            raise FieldError("An encrypted field can only be compared with the empty string.")
        super().__init__(lhs, rhs)


class _ThroughIndex:
    """`source = value` (or `__in`) answered by the ExactIndexField of `source`."""

    def __init__(self, lhs, rhs):
        index = _index_of(lhs)
        if hasattr(rhs, "resolve_expression"):
            raise FieldError("An encrypted field can only be looked up by values.")
        if self.lookup_name == "in":
            rhs = [exact_index(str(value)) for value in rhs if value is not None]
        elif rhs is not None:
            rhs = exact_index(str(rhs))
        super().__init__(Col(lhs.alias, index) if rhs is not None else lhs, rhs)


class _IndexedExact(_ThroughIndex, Exact):
    pass


class _IndexedIn(_ThroughIndex, In):
    pass


def _index_of(lhs) -> "ExactIndexField":
    field = getattr(lhs, "target", None)
    index = _exact_index_field(field) if isinstance(lhs, Col) else None
    if index is None:
        raise FieldError("Only a column with an ExactIndexField can be looked up by value.")
    return index


def _exact_index_field(field) -> "ExactIndexField | None":
    model = getattr(field, "model", None)
    if model is None:
        return None
    return next(
        (
            f
            for f in model._meta.concrete_fields
            if isinstance(f, ExactIndexField) and f.source == field.name
        ),
        None,
    )


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
        # isnull, and exact against the empty string; with an ExactIndexField on
        # the model, exact and in by value through it. Anything else would
        # silently compare tokens and find nothing.
        indexed = _exact_index_field(self) is not None
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        if lookup_name == "exact":
            return _IndexedExact if indexed else _EmptyExact
        if lookup_name == "in" and indexed:
            return _IndexedIn
        return None


class EncryptedCharField(EncryptedTextField):
    """A short encrypted text (an employer, a court, a choice). The column is
    text, since a token is longer than the clear value; forms and model
    validation keep the clear value's max_length and a one-line input."""

    def __init__(self, *args, max_length: int, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.append(MaxLengthValidator(max_length))

    def formfield(self, **kwargs):
        if self.choices is None:
            kwargs = {"widget": forms.TextInput, **kwargs}
        return super().formfield(**kwargs)


class ExactIndexField(models.CharField):
    """The keyed hash (`exact_index`) of an encrypted field of the same model,
    `source`: it carries the uniqueness, and `source=value` or `source__in=[...]`
    filters on it. Kept in step by save() and bulk_create() (pre_save); an
    update() or bulk_update() that changes `source` must write it too."""

    def __init__(self, *args, source: str, **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = exact_index(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


def encrypt_plain_column(table: str, column: str, *, index: str = ""):
    """A RunPython step that encrypts the clear values left in a column that has
    just become an EncryptedTextField (nothing to do on an empty database);
    `index` names the column that receives each value's `exact_index`."""

    def forwards(apps, schema_editor):
        connection = schema_editor.connection
        quoted_table = connection.ops.quote_name(table)
        quoted_column = connection.ops.quote_name(column)
        assignments = f"{quoted_column} = %s"
        if index:
            assignments += f", {connection.ops.quote_name(index)} = %s"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, {quoted_column} FROM {quoted_table} "
                f"WHERE {quoted_column} <> '' AND {quoted_column} NOT LIKE %s",
                [PREFIX + "%"],
            )
            rows = cursor.fetchall()
            cursor.executemany(
                f"UPDATE {quoted_table} SET {assignments} WHERE id = %s",
                [
                    [encrypt(value), *([exact_index(value)] if index else []), pk]
                    for pk, value in rows
                ],
            )

    return forwards


def decrypt_column(table: str, column: str):
    """The reverse of `encrypt_plain_column`: the clear values back, so that a
    migration can return the column to a plain CharField."""

    def backwards(apps, schema_editor):
        connection = schema_editor.connection
        quoted_table = connection.ops.quote_name(table)
        quoted_column = connection.ops.quote_name(column)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, {quoted_column} FROM {quoted_table} WHERE {quoted_column} LIKE %s",
                [PREFIX + "%"],
            )
            rows = cursor.fetchall()
            cursor.executemany(
                f"UPDATE {quoted_table} SET {quoted_column} = %s WHERE id = %s",
                [[decrypt(value), pk] for pk, value in rows],
            )

    return backwards
