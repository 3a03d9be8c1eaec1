"""The files of the bulk import that hold cases and legal cases."""

from __future__ import annotations

from smf.imports.spec import Column, FileSpec, declare, not_before, plausible_year

from .models import Case, LegalCase
from .services import case_set_names

CASE = Column("case_code", "case", ref="case")


def _names(case: Case, values: dict) -> None:
    """Names are encrypted and indexed together (case_set_names)."""
    case_set_names(
        case,
        given_name=values.get("given_name", case.given_name),
        family_name=values.get("family_name", case.family_name),
    )


declare(
    FileSpec(
        "cases.csv",
        Case,
        (
            Column("case_code", "code"),
            Column("given_name"),
            Column("family_name"),
            Column("sex"),
            Column("birth_year"),
            Column("nationality"),
            Column("intake_date"),
            Column("referral_source"),
            Column("exploitation_type"),
        ),
        key=("case_code",),
        key_lookups=("code",),
        provides="case",
        checks=(plausible_year("birth_year"),),
        assigned=("given_name", "family_name"),
        assigned_fields=("given_name", "family_name", "name_index"),
        assign=_names,
        audited=("case_imported", "case_updated_by_import"),
    ),
    FileSpec(
        "legal_cases.csv",
        LegalCase,
        (
            Column("reference"),
            Column("case_code", "case", ref="case"),
            Column("opened_on"),
            Column("outcome"),
            Column("closed_on"),
        ),
        key=("reference",),
        key_lookups=("reference",),
        checks=(not_before("opened_on", "closed_on"),),
    ),
)
