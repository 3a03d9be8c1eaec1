"""The file of the bulk import that holds funding disbursements."""

from __future__ import annotations

from smf.imports.spec import Column, FileSpec, declare

from .models import Disbursement

declare(
    FileSpec(
        "disbursements.csv",
        Disbursement,
        (Column("given_on"), Column("recipient"), Column("region"), Column("amount_usd")),
    ),
)
