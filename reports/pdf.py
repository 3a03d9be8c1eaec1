"""The impact report as HTML and as PDF.

`report_context` turns frozen figures into what the template shows (sentences,
tables, charts) in the active language; `report_html` renders the template;
`html_to_pdf` hands it to WeasyPrint. WeasyPrint is imported inside the
function, never at module import, so a Celery worker does not load it before
it forks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from outreach.models import Disbursement
from reintegration.models import FollowUpVisit, ReintegrationSupport
from reports.selectors import (
    BREAKDOWN_DEPENDENT_COLUMNS,
    BREAKDOWN_PEOPLE_COLUMNS,
    FIGURE_BASES,
    FIGURE_KEYS,
    FIGURES,
    MONEY_KEYS,
    PEOPLE_KEYS,
    PERCENT_KEYS,
)
from shelters.models import VocationalTraining

from . import charts, suppression
from .formatting import khmer_wrap, long_date, number, signed, small_number, usd, year_text

# What each figure is called in the report (declared with the figure).
FIGURE_LABELS = {key: figure.label for key, figure in FIGURES.items()}


def _keys_of(section: str) -> tuple[str, ...]:
    return tuple(key for key, figure in FIGURES.items() if figure.section == section)


@dataclass(frozen=True)
class Section:
    slug: str
    title: object
    intro: object
    keys: tuple[str, ...]
    breakdowns: tuple[str, ...] = ()


SECTIONS: tuple[Section, ...] = (
    Section(
        "outreach",
        gettext_lazy("Outreach and Advocacy"),
        gettext_lazy(
            "Social workers and peer educators visit entertainment venues to bring health "
            "messages and supplies to women and girls, and meet government and partners to "
            "change how victims are protected."
        ),
        _keys_of("outreach"),
    ),
    Section(
        "clinic",
        gettext_lazy("Clinic"),
        gettext_lazy(
            "The free medical clinic offers consultations, treatment, counselling and STD "
            "tests to women and girls exploited in the sex trade."
        ),
        _keys_of("clinic"),
    ),
    Section(
        "recovery",
        gettext_lazy("Recovery and Training"),
        gettext_lazy(
            "The recovery and vocational skills centers give residents a safe home, care, "
            "basic education and a trade."
        ),
        _keys_of("recovery"),
        ("residents_by_center", "training_by_trade"),
    ),
    Section(
        "reintegration",
        gettext_lazy("Reintegration and Follow-up"),
        gettext_lazy(
            "Survivors leave the centers with support to start a livelihood, and the "
            "reintegration team keeps visiting them."
        ),
        _keys_of("reintegration"),
        ("support_by_kind", "followups_by_role"),
    ),
    Section(
        "justice",
        gettext_lazy("Justice"),
        gettext_lazy("The legal team stands beside survivors who take their case to court."),
        _keys_of("justice"),
    ),
    Section(
        "funding",
        gettext_lazy("Financial Support"),
        gettext_lazy("Money directed to the organisations that serve victims."),
        _keys_of("funding"),
        ("funding_by_region",),
    ),
)
assert {k for s in SECTIONS for k in s.keys} == set(FIGURE_KEYS), "every figure has a section"

BREAKDOWN_TITLES = {
    "residents_by_center": gettext_lazy("Residents by center"),
    "training_by_trade": gettext_lazy("Vocational training by trade"),
    "support_by_kind": gettext_lazy("Reintegration support by kind"),
    "followups_by_role": gettext_lazy("Follow-up visits by visitor"),
    "funding_by_region": gettext_lazy("Funding by region"),
}
BREAKDOWN_ROW_HEADINGS = {
    "residents_by_center": gettext_lazy("Center"),
    "training_by_trade": gettext_lazy("Trade"),
    "support_by_kind": gettext_lazy("Kind of support"),
    "followups_by_role": gettext_lazy("Visitor"),
    "funding_by_region": gettext_lazy("Region"),
}
BREAKDOWN_COLUMNS = {
    "residents_by_center": (("residents", gettext_lazy("Residents")),),
    "training_by_trade": (
        ("trainees", gettext_lazy("Trainees")),
        ("certified", gettext_lazy("Certified")),
    ),
    "support_by_kind": (
        ("survivors", gettext_lazy("Survivors")),
        ("value_usd", gettext_lazy("Value")),
    ),
    "followups_by_role": (
        ("visits", gettext_lazy("Visits")),
        ("survivors", gettext_lazy("Survivors visited")),
    ),
    "funding_by_region": (("amount_usd", gettext_lazy("Amount")),),
}
BREAKDOWN_NOTES = {
    "residents_by_center": gettext_lazy(
        "A resident who moved between centers during the year is counted at each."
    ),
}
CHOICE_LABELS = {
    "training_by_trade": VocationalTraining.Trade,
    "support_by_kind": ReintegrationSupport.Kind,
    "followups_by_role": FollowUpVisit.VisitorRole,
    "funding_by_region": Disbursement.Region,
}
MONEY_COLUMNS = frozenset({"value_usd", "amount_usd"})


def format_value(key: str, value, language: str) -> str:
    if key in MONEY_KEYS:
        return usd(value, language)
    if key in PERCENT_KEYS:
        return number(value, language) + "%"
    return number(value, language)


def _figure_text(key: str, cell: suppression.Cell, language: str) -> str:
    return hidden_text(cell, language) if cell.hidden else format_value(key, cell.value, language)


def format_change(key: str, value, before, language: str) -> str:
    change = value - before
    text = signed(change, language, money_value=key in MONEY_KEYS)
    if key in PERCENT_KEYS:
        return text + " " + _("points")
    if before and change:
        pct = round(Decimal(change) * 100 / Decimal(before))
        text += f" ({signed(pct, language)}%)"
    return text


def hidden_text(cell: suppression.Cell, language: str) -> str:
    """What a suppressed cell prints: "fewer than 5" for a small count of
    people, "hidden" for a cell hidden because it would reveal one."""
    if cell.hidden == suppression.PRIMARY:
        return _("fewer than %(n)s") % {"n": number(suppression.threshold(), language)}
    return _("hidden")


def figure_cells(snapshot: dict, *, public: bool) -> dict[str, suppression.FigureCells]:
    """Each headline figure's value, previous year and change; suppressed in the public variant."""
    figures, previous = snapshot["figures"], snapshot["previous"]
    if public:
        return suppression.suppress_figures(figures, previous, PEOPLE_KEYS, FIGURE_BASES)
    return suppression.plain_figures(figures, previous)


def _choice_label(table: str, code: str) -> str:
    choices = CHOICE_LABELS.get(table)
    if code == "unknown":
        return _("Not recorded")
    if choices is None:
        return code
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def _table_cell(column: str, cell: suppression.Cell, language: str) -> dict:
    if cell.hidden:
        text = hidden_text(cell, language)
    elif column in MONEY_COLUMNS:
        text = usd(cell.value, language)
    else:
        text = number(cell.value, language)
    return {"text": text, "hidden": bool(cell.hidden)}


def breakdown_tables(breakdowns: dict, *, public: bool, language: str) -> list[dict]:
    """The breakdown tables ready to print, suppressed in the public variant."""
    out = []
    for name in BREAKDOWN_TITLES:
        rows = breakdowns.get(name, [])
        if public:
            people = BREAKDOWN_PEOPLE_COLUMNS[name]
            dependent = BREAKDOWN_DEPENDENT_COLUMNS.get(name)
            cells = suppression.suppress_table(rows, people, dependent)
        else:
            # The internal variant names no people column: every total is shown too.
            people, dependent = (), None
            cells = suppression.plain_table(rows)
        column_totals = suppression.suppress_totals(rows, people, dependent)
        columns = BREAKDOWN_COLUMNS[name]
        first = columns[0][0]
        largest = max((r[first] for r in rows), default=0)
        printed = []
        for row in cells:
            values = []
            for column, _label in columns:
                values.append(_table_cell(column, row[column], language))
            label = (
                row["label"] if name == "residents_by_center" else _choice_label(name, row["key"])
            )
            printed.append(
                {
                    "label": khmer_wrap(label),
                    "values": values,
                    "bar": charts.share_bar(
                        row[first].value, largest, hidden=bool(row[first].hidden)
                    ),
                }
            )
        totals = [
            _table_cell(column, column_totals.get(column, suppression.Cell(0)), language)
            for column, _label in columns
        ]
        out.append(
            {
                "name": name,
                "title": BREAKDOWN_TITLES[name],
                "row_heading": BREAKDOWN_ROW_HEADINGS[name],
                "columns": [label for _c, label in columns],
                "rows": printed,
                "totals": totals,
                "note": BREAKDOWN_NOTES.get(name, ""),
                "suppressed": any(v["hidden"] for r in printed for v in r["values"])
                or any(t["hidden"] for t in totals),
            }
        )
    return out


def highlights(
    year: int, cells: dict[str, suppression.FigureCells], centers: int, language: str
) -> list[str]:
    """The highlights page, in the voice of the organisation's outcomes page.

    A suppressed count reads "fewer than 5"; a suppressed share or average is
    left out of its sentence.
    """
    f = {key: figure.value.value for key, figure in cells.items()}

    def n(key: str) -> str:
        cell = cells[key].value
        return hidden_text(cell, language) if cell.hidden else number(cell.value, language)

    def shown(key: str) -> bool:
        return not cells[key].value.hidden

    org = settings.ORGANISATION_NAME
    out = [
        _(
            "Social workers and peer educators made %(contacts)s points of contact in "
            "%(venues)s entertainment areas (brothels, karaoke bars and clubs), delivering "
            "messages on hygiene, STD/STI and HIV/AIDS, and educated %(clients)s "
            "buyers/clients of prostitution on the responsibility they carry."
        )
        % {
            "contacts": n("outreach.contacts"),
            "venues": n("outreach.venues_visited"),
            "clients": n("outreach.clients_educated"),
        },
        _(
            "%(condoms)s condoms and %(soaps)s soaps were distributed free of charge to women "
            "and girls in prostitution and to their clients."
        )
        % {"condoms": n("supplies.condoms"), "soaps": n("supplies.soaps")},
        _(
            "%(clients)s women and girls visited the free medical clinic, which gave "
            "%(consultations)s free consultations, treatments and counselling sessions and "
            "administered %(tests)s STD tests. %(exits)s of them decided to exit their "
            "situation and enroll in a center for recovery and vocational skills training."
        )
        % {
            "clients": n("clinic.clients"),
            "consultations": n("clinic.consultations"),
            "tests": n("clinic.std_tests"),
            "exits": n("clinic.exits_to_shelter"),
        },
        _(
            "%(meetings)s meetings were held with government ministries and NGOs, and "
            "%(agreements)s agreements were reached. %(participants)s community members, "
            "officials and survivors took part in our public events."
        )
        % {
            "meetings": n("advocacy.meetings"),
            "agreements": n("advocacy.agreements"),
            "participants": n("advocacy.event_participants"),
        },
        ngettext(
            "%(residents)s residents received comprehensive, holistic care at the "
            "%(centers)s recovery and vocational skills center.",
            "%(residents)s residents received comprehensive, holistic care at the "
            "%(centers)s recovery and vocational skills centers.",
            centers,
        )
        % {"residents": n("shelter.residents"), "centers": small_number(centers, language)}
        + (
            " "
            + _("%(pct)s of shelter residents received basic education.")
            % {"pct": format_value("shelter.education_pct", f["shelter.education_pct"], language)}
            if shown("shelter.education_pct")
            else ""
        ),
        _(
            "%(trainees)s women and girls received vocational skills training. "
            "%(completed)s completed their training, %(certified)s received formal government "
            "certification and %(internships)s began internships in the private sector."
        )
        % {
            "trainees": n("training.trainees"),
            "completed": n("training.completed"),
            "certified": n("training.certified"),
            "internships": n("training.internships_started"),
        },
        (
            _(
                "%(reintegrated)s women left the centers to be reintegrated into the community. "
                "%(supported)s survivors received start-up kits, microgrants, job placement or "
                "tuition support; %(kits)s start-up kits were given, valued at %(avg)s on "
                "average."
            )
            if shown("reintegration.startup_kit_avg_usd")
            else _(
                "%(reintegrated)s women left the centers to be reintegrated into the community. "
                "%(supported)s survivors received start-up kits, microgrants, job placement or "
                "tuition support; %(kits)s start-up kits were given."
            )
        )
        % {
            "reintegrated": n("reintegration.reintegrated"),
            "supported": n("reintegration.supported"),
            "kits": n("reintegration.startup_kits"),
            "avg": usd(f["reintegration.startup_kit_avg_usd"], language),
        },
        (
            _(
                "%(survivors)s reintegrated women received %(visits)s follow-up visits by social "
                "workers, medical professionals, trainers, legal experts and psychologists, "
                "including %(cohort)s survivors who left the centers in %(y1)s or %(y2)s; "
                "%(on_time)s of the visits were made on time."
            )
            if shown("followup.on_time_pct")
            else _(
                "%(survivors)s reintegrated women received %(visits)s follow-up visits by social "
                "workers, medical professionals, trainers, legal experts and psychologists, "
                "including %(cohort)s survivors who left the centers in %(y1)s or %(y2)s."
            )
        )
        % {
            "survivors": n("followup.survivors"),
            "visits": n("followup.visits"),
            "cohort": n("followup.cohort_followed"),
            "y1": year_text(year - 1, language),
            "y2": year_text(year - 2, language),
            "on_time": format_value("followup.on_time_pct", f["followup.on_time_pct"], language),
        },
        _("%(convictions)s court cases of trafficking and abuse ended in conviction.")
        % {"convictions": n("legal.convictions")},
        _("In %(year)s, %(org)s directed %(amount)s to victim service providers.")
        % {
            "year": year_text(year, language),
            "org": org,
            "amount": usd(f["funding.directed_usd"], language),
        },
    ]
    return [khmer_wrap(sentence_case(sentence)) for sentence in out]


def sentence_case(text: str) -> str:
    """A capital at the start of each sentence ("Fewer than 5 women..."): Khmer has none."""
    return re.sub(r"(^|\. )([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)


def report_context(
    *,
    year: int,
    language: str,
    public: bool,
    version: int,
    generated_on: date,
    snapshot: dict,
) -> dict:
    """Everything the PDF template prints, from a frozen snapshot of figures.

    Call inside `translation.override(language)`.
    """
    cells = figure_cells(snapshot, public=public)
    sections = []
    tables = {
        t["name"]: t
        for t in breakdown_tables(snapshot["breakdowns"], public=public, language=language)
    }
    for section in SECTIONS:
        rows = []
        for key in section.keys:
            now, before, change = cells[key].value, cells[key].previous, cells[key].change
            rows.append(
                {
                    "key": key,
                    "label": FIGURE_LABELS[key],
                    "value": _figure_text(key, now, language),
                    "previous": _figure_text(key, before, language),
                    "change": hidden_text(change, language)
                    if change.hidden
                    else format_change(key, now.value, before.value, language),
                    "hidden": {
                        "value": bool(now.hidden),
                        "previous": bool(before.hidden),
                        "change": bool(change.hidden),
                    },
                    "bar": charts.comparison_bars(
                        now.value,
                        before.value,
                        current_hidden=bool(now.hidden),
                        previous_hidden=bool(before.hidden),
                    ),
                }
            )
        sections.append(
            {
                "slug": section.slug,
                "title": section.title,
                "intro": section.intro,
                "rows": rows,
                "tables": [tables[name] for name in section.breakdowns],
            }
        )
    centers = len(snapshot["breakdowns"].get("residents_by_center", []))
    return {
        "organisation": settings.ORGANISATION_NAME,
        "year": year,
        "year_text": year_text(year, language),
        "previous_year_text": year_text(year - 1, language),
        "language": language,
        "public": public,
        "threshold": number(suppression.threshold(), language),
        "version": number(version, language),
        "generated_on": long_date(generated_on, language),
        "highlights": highlights(year, cells, centers, language),
        "sections": sections,
        # Short sections share the page of the section before them.
        "follow_on": ("clinic", "justice", "funding"),
        "current_colour": charts.CURRENT,
        "previous_colour": charts.PREVIOUS,
        "current_swatch": charts.swatch(charts.CURRENT),
        "previous_swatch": charts.swatch(charts.PREVIOUS),
        "fonts": {k: mark_safe(v) for k, v in FONTS[language].items()},
        "page_word": css_string(_("page")),
        "of_word": css_string(_("of")),
    }


FONTS = {
    "en": {
        "body": '"Liberation Sans", "DejaVu Sans", sans-serif',
        "heading": '"Liberation Sans", "DejaVu Sans", sans-serif',
    },
    # Khmer OS (fonts-khmeros) or Noto (fonts-noto-core), whichever is installed.
    "km": {
        "body": '"Khmer OS Battambang", "Khmer OS", "Noto Sans Khmer", '
        '"Liberation Sans", sans-serif',
        "heading": '"Khmer OS Muol Light", "Khmer OS Muol", "Noto Serif Khmer", '
        '"Khmer OS Battambang", sans-serif',
    },
}


def css_string(text: str) -> SafeString:
    """A quoted CSS string; the template prints it inside <style> unescaped."""
    return mark_safe(
        '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("<", "") + '"'
    )


def report_html(context: dict) -> str:
    return render_to_string("reports/pdf/report.html", context)


def html_to_pdf(html: str) -> bytes:
    """Lay out the report with WeasyPrint (imported here, not at module load)."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=fonts)
