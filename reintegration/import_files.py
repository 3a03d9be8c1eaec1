"""The files of the bulk import that hold support given and follow-up visits."""

from __future__ import annotations

from cases.import_files import CASE
from smf.imports.spec import Column, FileSpec, at_least_one, declare

from .models import FollowUpVisit, ReintegrationSupport

declare(
    FileSpec(
        "reintegration_support.csv",
        ReintegrationSupport,
        (CASE, Column("kind"), Column("given_on"), Column("value_usd")),
    ),
    FileSpec(
        "followups.csv",
        FollowUpVisit,
        (
            CASE,
            Column("due_on"),
            Column("visited_on"),
            Column("visitor_role"),
            Column("outcome"),
        ),
        checks=(at_least_one("due_on", "visited_on"),),
    ),
)
