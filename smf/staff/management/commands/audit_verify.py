"""Check the audit log's hash chain, line by line in id order.

Each line's hash is computed again from its fields (smf/staff/chain.py) and
compared with the one stored, and each line must name the hash of the line
before it. The first line that fails is named by its id, and the command exits
with status 1; nothing of a line's content is printed. Ids may skip numbers
(PostgreSQL's sequence loses the ids of rolled-back transactions): a removed
line shows as the broken link of the line after it.

A chain cannot show that its last lines were cut off. Keep the checkpoint the
command prints (`ID:HASH`) somewhere the database's administrators cannot
write, and pass it back with `--checkpoint`: the line must still be there,
unchanged, and the check starts from it (faster on a long log).

Reads in batches, so memory stays bounded whatever the log's length.
"""

from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError

from smf.staff.chain import GENESIS, chain_key, line_hash
from smf.staff.models import AuditLog

FIELDS = ("id", "at", "user_id", "action", "case_code", "details", "prev_hash", "hash")


def _checkpoint(value: str) -> tuple[int, str]:
    match = re.fullmatch(r"(\d+):([0-9a-f]{64})", value.strip())
    if not match:
        raise CommandError("--checkpoint takes ID:HASH, as printed by an earlier run.")
    return int(match[1]), match[2]


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain; exits 1 naming the first line that was "
        "changed, removed or inserted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            type=_checkpoint,
            help="ID:HASH printed by an earlier run: that line must be intact, and the "
            "check starts from it.",
        )
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, checkpoint=None, batch_size=2000, **options):
        key = chain_key()
        prev_hash, prev_id, checked = GENESIS, None, 0
        if checkpoint is not None:
            line_id, expected = checkpoint
            row = AuditLog.objects.filter(id=line_id).values_list(*FIELDS).first()
            if row is None:
                raise CommandError(f"Audit chain broken: checkpoint line {line_id} is missing.")
            if row[7] != expected or self._hash(key, row) != expected:
                raise CommandError(
                    f"Audit chain broken at line {line_id}: the checkpoint line was changed."
                )
            prev_hash, prev_id, checked = expected, line_id, 1
        while True:
            lines = AuditLog.objects.order_by("id")
            if prev_id is not None:
                lines = lines.filter(id__gt=prev_id)
            batch = list(lines.values_list(*FIELDS)[:batch_size])
            if not batch:
                break
            for row in batch:
                line_id, stored_prev, stored_hash = row[0], row[6], row[7]
                if self._hash(key, row) != stored_hash:
                    raise CommandError(
                        f"Audit chain broken at line {line_id}: the line was changed after "
                        f"it was written (its hash does not match). {checked} lines before "
                        "it are intact."
                    )
                if stored_prev != prev_hash:
                    before = f"after line {prev_id}" if prev_id is not None else "at the start"
                    raise CommandError(
                        f"Audit chain broken at line {line_id}: it does not follow the line "
                        f"before it; a line was removed or inserted {before}. {checked} "
                        "lines before it are intact."
                    )
                prev_hash, prev_id = stored_hash, line_id
                checked += 1
        if prev_id is None:
            self.stdout.write("Audit log intact: 0 lines checked (the log is empty).")
            return
        self.stdout.write(
            f"Audit log intact: {checked} lines checked. Checkpoint: {prev_id}:{prev_hash}"
        )

    @staticmethod
    def _hash(key: bytes, row) -> str:
        line_id, at, user_id, action, case_code, details, prev_hash, _ = row
        return line_hash(
            key,
            id=line_id,
            at=at,
            user_id=user_id,
            action=action,
            case_code=case_code,
            details=details,
            prev_hash=prev_hash,
        )
