"""Re-encrypt every encrypted value under the current key, after a key rotation.

Rotation: put the new Fernet key first in FIELD_ENCRYPTION_KEYS and keep the old
one after it, restart, run this command, then drop the old key. The command
finds every EncryptedTextField of every installed model by itself, so a field
added later is covered without touching this file.

`--reindex` also recomputes the blind indexes (Case.name_index) from the
decrypted names, and every ExactIndexField (LegalCase.reference_index) from
its source: needed after BLIND_INDEX_KEY changes.

Everything runs in one transaction: a value that no configured key can decrypt
stops the command and changes nothing. The output names models, fields, counts
and at most a row id, never a value.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models.functions import Cast

from smf.core.fields import (
    PREFIX,
    EncryptedTextField,
    ExactIndexField,
    blind_index,
    decrypt,
    exact_index,
)


def blind_indexes(model) -> dict[str, tuple[str, ...]]:
    """A model's blind index columns and the encrypted fields each indexes, as the
    model declares them (`BLIND_INDEXES = {"name_index": ("given_name", ...)}`)."""
    return dict(getattr(model, "BLIND_INDEXES", {}))


def exact_indexes(model) -> dict[str, str]:
    """A model's ExactIndexField columns and the encrypted field each hashes."""
    return {
        field.name: field.source
        for field in model._meta.concrete_fields
        if isinstance(field, ExactIndexField)
    }


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every concrete model with its EncryptedTextField names, in a stable order."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        names = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, EncryptedTextField)
        ]
        if names:
            found.append((model, names))
    return sorted(found, key=lambda item: item[0]._meta.label)


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field under the first key of FIELD_ENCRYPTION_KEYS "
        "(run after putting a new key first); --reindex recomputes the name indexes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reindex",
            action="store_true",
            help="Also recompute the blind indexes (after BLIND_INDEX_KEY changed).",
        )
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Rows read and written at a time."
        )

    def handle(self, *args, reindex: bool = False, batch_size: int = 500, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        with transaction.atomic():
            for model, fields in encrypted_fields():
                indexes = blind_indexes(model) if reindex else {}
                exact = exact_indexes(model) if reindex else {}
                rows, plain = self._model(model, fields, indexes, exact, batch_size)
                label = model._meta.label
                self.stdout.write(
                    f"{label}: {rows} rows re-encrypted ({', '.join(fields)})"
                    + (f", {plain} values were not yet encrypted" if plain else "")
                )
                for index in [*indexes, *exact]:
                    self.stdout.write(f"{label}: {index} recomputed on {rows} rows")
        self.stdout.write(self.style.SUCCESS("Done: every value is under the first key."))

    def _model(self, model, fields, indexes, exact, batch_size) -> tuple[int, int]:
        # Read the stored tokens as plain text (Cast skips the field's decryption),
        # so that values written before the field was encrypted are found too.
        raw = {f"raw_{name}": Cast(name, output_field=models.TextField()) for name in fields}
        manager = model._base_manager  # no custom QuerySet guard: content is unchanged
        queryset = manager.order_by("pk").annotate(**raw).values_list("pk", *raw)
        rows = plain = 0
        last_pk = None
        while True:
            batch = queryset if last_pk is None else queryset.filter(pk__gt=last_pk)
            batch = list(batch[:batch_size])
            if not batch:
                return rows, plain
            last_pk = batch[-1][0]
            objects = []
            for pk, *tokens in batch:
                obj = model(pk=pk)
                for name, token in zip(fields, tokens, strict=True):
                    if token and not token.startswith(PREFIX):
                        plain += 1
                    setattr(obj, name, self._clear(model, pk, name, token))
                for index, sources in indexes.items():
                    setattr(obj, index, blind_index(*(getattr(obj, s) or "" for s in sources)))
                for index, source in exact.items():
                    setattr(obj, index, exact_index(getattr(obj, source) or ""))
                objects.append(obj)
            # bulk_update encrypts each clear value under the first key and, unlike
            # save(), leaves updated_at alone: the record's content did not change.
            manager.bulk_update(objects, [*fields, *indexes, *exact], batch_size=batch_size)
            rows += len(objects)

    def _clear(self, model, pk, name: str, token: str | None) -> str | None:
        if not token or not token.startswith(PREFIX):
            return token
        try:
            return decrypt(token)
        except ValueError as error:
            raise CommandError(
                f"{model._meta.label} id {pk}, field {name}: no key in FIELD_ENCRYPTION_KEYS "
                "decrypts it. Nothing was changed; add the missing old key and run again."
            ) from error
