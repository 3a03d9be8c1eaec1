"""The files of the bulk import that hold centers, stays and training."""

from __future__ import annotations

from cases.import_files import CASE
from smf.imports.spec import Column, FileSpec, both_or_neither, declare, not_before

from .models import EducationRecord, Internship, Shelter, Stay, VocationalTraining

declare(
    FileSpec(
        "shelters.csv",
        Shelter,
        (Column("code"), Column("name"), Column("province"), Column("capacity")),
        key=("code",),
        key_lookups=("code",),
        provides="shelter",
    ),
    FileSpec(
        "stays.csv",
        Stay,
        (
            CASE,
            Column("shelter_code", "shelter", ref="shelter"),
            Column("admitted_on"),
            Column("left_on"),
            Column("exit_reason"),
        ),
        # A stay is known by its case, center and admission date: re-importing
        # it with a `left_on` records the discharge.
        key=("case_code", "shelter_code", "admitted_on"),
        key_lookups=("case__code", "shelter__code", "admitted_on"),
        checks=(not_before("admitted_on", "left_on"), both_or_neither("left_on", "exit_reason")),
        one_open="left_on",
    ),
    FileSpec(
        "education.csv",
        EducationRecord,
        (CASE, Column("course"), Column("started_on"), Column("ended_on")),
        checks=(not_before("started_on", "ended_on"),),
    ),
    FileSpec(
        "vocational_training.csv",
        VocationalTraining,
        (
            CASE,
            Column("trade"),
            Column("started_on"),
            Column("completed_on"),
            Column("certified_on"),
        ),
        checks=(
            not_before("started_on", "completed_on"),
            not_before("started_on", "certified_on"),
        ),
    ),
    FileSpec(
        "internships.csv",
        Internship,
        (CASE, Column("employer"), Column("started_on"), Column("ended_on")),
        checks=(not_before("started_on", "ended_on"),),
    ),
)
