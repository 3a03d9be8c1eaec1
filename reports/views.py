"""The Reports page: request the impact report, follow the queue, download.

Directors and administrators only (reports.access.require_reports); everyone
else gets a 404.
"""

from __future__ import annotations

from functools import cache

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from smf.core.figures import Distinct, Rows

from . import services
from .access import require_reports
from .changes import figure_changes, version_figures, versions_changed
from .exports import figure_rows_csv_lines, figures_csv
from .forms import FiguresYearForm, ReportRequestForm
from .models import ImpactReport
from .pdf import FIGURE_LABELS, format_change, format_value
from .selectors import (
    FIGURES,
    figure_count,
    figure_published,
    figure_rows,
    figure_visible_value,
    figures_table,
    report_get,
    reports_recent,
)

# Rows of a figure's records per page.
RECORDS_PAGE_SIZE = 50
# The headings of the columns a figure's records are listed by (smf.core.figures).
COLUMN_LABELS = {
    "case_code": gettext_lazy("Case code"),
    "center_code": gettext_lazy("Center"),
    "admitted_on": gettext_lazy("Admitted on"),
    "left_on": gettext_lazy("Left on"),
    "trade": gettext_lazy("Trade"),
    "started_on": gettext_lazy("Started on"),
    "completed_on": gettext_lazy("Completed on"),
    "certified_on": gettext_lazy("Certified on"),
    "ended_on": gettext_lazy("Ended on"),
    "kind": gettext_lazy("Kind"),
    "given_on": gettext_lazy("Given on"),
    "value_usd": gettext_lazy("Value"),
    "visited_on": gettext_lazy("Visited on"),
    "due_on": gettext_lazy("Due on"),
    "visitor_role": gettext_lazy("Visitor"),
    "closed_on": gettext_lazy("Closed"),
    "venue_code": gettext_lazy("Venue"),
    "contacts": gettext_lazy("Contacts"),
    "clients_educated": gettext_lazy("Clients educated"),
    "condoms": gettext_lazy("Condoms"),
    "soaps": gettext_lazy("Soaps"),
    "client_code": gettext_lazy("Client code"),
    "service": gettext_lazy("Service"),
    "std_test": gettext_lazy("STD test"),
    "enrolled_case_code": gettext_lazy("Case"),
    "held_on": gettext_lazy("Date"),
    "counterpart": gettext_lazy("Counterpart"),
    "agreement_reached": gettext_lazy("Agreement reached"),
    "participants": gettext_lazy("Participants"),
    "region": gettext_lazy("Region"),
    "recipient": gettext_lazy("Recipient"),
    "amount_usd": gettext_lazy("Amount"),
}


def _default_year() -> int:
    return timezone.localdate().year - 1


@login_required
@require_GET
def index(request):
    require_reports(request.user)
    year_form = FiguresYearForm(request.GET or {"year": _default_year()})
    year = year_form.cleaned_data["year"] if year_form.is_valid() else _default_year()
    context = {
        "form": ReportRequestForm(initial={"year": year, "language": "en", "variant": "internal"}),
        "year_form": year_form,
        "year": year,
        "reports": _with_changes(reports_recent()),
        "figures": _figures_for_screen(year),
    }
    return render(request, "reports/index.html", context)


def _with_changes(reports: list[ImpactReport]) -> list[ImpactReport]:
    """Each finished version told how many of its figures differ today."""
    changed = versions_changed(reports)
    for report in reports:
        report.figures_changed = changed.get(report.pk)
    return reports


def _figures_for_screen(year: int) -> list[dict]:
    language = get_language() or "en"
    language = "km" if language.startswith("km") else "en"
    return [
        {
            "key": row["key"],
            "label": FIGURE_LABELS[row["key"]],
            "value": format_value(row["key"], row["value"], language),
            "previous": format_value(row["key"], row["previous"], language),
            "change": format_change(row["key"], row["value"], row["previous"], language),
        }
        for row in figures_table(year)
    ]


@login_required
@require_POST
def request_report(request):
    require_reports(request.user)
    form = ReportRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("reports:index")
    report = services.report_request(user=request.user, **form.cleaned_data)
    numbers = {"year": report.year, "version": report.version}
    if report.sending.sent is False:
        # The broker is down: the request is saved all the same, and the sweep
        # sends it once the broker is back.
        messages.warning(
            request,
            _(
                "The %(year)s report (version %(version)s) is saved. Queued; it starts as "
                "soon as the worker is reachable."
            )
            % numbers,
        )
    else:
        messages.success(
            request,
            _("The %(year)s report (version %(version)s) is queued. It appears below when ready.")
            % numbers,
        )
    return redirect(reverse("reports:index") + f"#report-{report.uuid}")


@login_required
@require_GET
def status(request):
    """The queue's state as JSON, polled by static/js/report_status.js."""
    require_reports(request.user)
    return JsonResponse(
        {
            "reports": [
                {
                    "uuid": str(r.uuid),
                    "status": r.status,
                    "status_label": str(r.get_status_display()),
                    "progress": r.progress,
                    "error": r.error if r.status == ImpactReport.Status.FAILED else "",
                    "download_url": reverse("reports:download", args=[r.uuid])
                    if r.status == ImpactReport.Status.DONE
                    else "",
                }
                for r in reports_recent()
            ]
        }
    )


@login_required
@require_GET
def download(request, report_uuid):
    require_reports(request.user)
    report = report_get(report_uuid=report_uuid)
    if report is None or report.status != ImpactReport.Status.DONE or not report.file:
        raise Http404
    services.report_download_record(user=request.user, report=report)
    name = f"impact-report-{report.year}-{report.language}-{report.variant}-v{report.version}.pdf"
    return FileResponse(report.file.open("rb"), as_attachment=True, filename=name)


@login_required
@require_GET
def figures_download(request, year: int):
    require_reports(request.user)
    form = FiguresYearForm({"year": year})
    if not form.is_valid():
        raise Http404
    table = figures_table(year)
    services.report_figures_export_record(user=request.user, year=year)
    text = figures_csv(
        year,
        {row["key"]: row["value"] for row in table},
        {row["key"]: row["previous"] for row in table},
    )
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="impact-figures-{year}.csv"'
    return response


@cache
def _choices(key: str, year: int) -> dict[str, dict]:
    """{column: {code: label}} for the figure's columns that are choices."""
    figure, found = FIGURES[key], {}
    for name, lookup in figure.columns:
        model, field = figure.records(year).model, None
        for part in lookup.split("__"):
            field = model._meta.get_field(part)
            model = field.related_model or model
        if field is not None and field.choices:
            found[name] = dict(field.flatchoices)
    return found


def _cells(figure, year: int, names: list[str], row: dict) -> list:
    """A row's values in column order, choices by their label (the CSV keeps the codes)."""
    labels = _choices(figure.key, year)
    return [labels.get(name, {}).get(row.get(name), row.get(name)) for name in names]


def _language() -> str:
    language = get_language() or "en"
    return "km" if language.startswith("km") else "en"


class _Counted(Paginator):
    """A paginator told its count: the records counted without the joins that
    listing their codes takes (a third of the page's time at 100 x volume)."""

    def __init__(self, object_list, per_page, count: int):
        super().__init__(object_list, per_page)
        self._count = count

    @property
    def count(self) -> int:
        return self._count


@login_required
@require_GET
def figure_records(request, year: int, key: str):
    """The records behind one figure of a year: codes and dates, never names;
    only the records the reader may see, sortable, paginated, as CSV with
    ?format=csv. Every opening is audited."""
    require_reports(request.user)
    form = FiguresYearForm({"year": year})
    if not form.is_valid() or key not in FIGURES:
        raise Http404
    figure = FIGURES[key]
    names = [name for name, _lookup in figure.columns]
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") not in names:
        sort = names[0]
    rows = figure_rows(key, year, request.user).order_by(sort, "pk")
    count = figure_count(key, year, request.user)
    if request.GET.get("format") == "csv":
        services.figure_records_export_record(
            user=request.user, year=year, key=key, rows=count, via="csv"
        )
        # Streamed: 460,000 outreach visits at 100 x would not fit a worker's memory.
        response = StreamingHttpResponse(
            figure_rows_csv_lines(key, rows.iterator(chunk_size=2000)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="figure-{key}-{year}.csv"'
        return response
    page = _Counted(rows, RECORDS_PAGE_SIZE, count).get_page(request.GET.get("page"))
    services.figure_records_export_record(
        user=request.user, year=year, key=key, rows=page.paginator.count, via="page"
    )
    language = _language()
    published = figure_published(key, year)
    visible = figure_visible_value(key, year, request.user)
    return render(
        request,
        "reports/figure_records.html",
        {
            "year": year,
            "figure": figure,
            "columns": [
                {"name": n, "label": COLUMN_LABELS.get(n, n), "sorted": sort.lstrip("-") == n}
                for n in names
            ],
            "descending": sort.startswith("-"),
            "sort": sort,
            "rows": [_cells(figure, year, names, row) for row in page],
            "page": page,
            "query": f"sort={sort}",
            "published": format_value(key, published[0], language) if published else "",
            "published_report": published[1] if published else None,
            "visible": format_value(key, visible["value"], language),
            "visible_value": visible["value"],
            "visible_parts": visible,
        },
    )


def _published_version(report_uuid) -> ImpactReport:
    report = report_get(report_uuid=report_uuid)
    if report is None or report.status != ImpactReport.Status.DONE or not report.figures:
        raise Http404
    return report


@login_required
@require_GET
def version_changes(request, report_uuid):
    """A published version's figures beside today's, the differing first."""
    require_reports(request.user)
    report = _published_version(report_uuid)
    language = _language()
    rows = [
        {
            **row,
            "label": FIGURE_LABELS[row["key"]],
            "published_text": format_value(row["key"], row["published"], language)
            if row["published"] is not None
            else "–",
            "today_text": format_value(row["key"], row["today"], language),
        }
        for row in version_figures(report)
    ]
    rows.sort(key=lambda row: not row["differs"])
    services.version_changes_record(user=request.user, report=report, key="")
    return render(
        request,
        "reports/version_changes.html",
        {"report": report, "rows": rows, "differing": sum(r["differs"] for r in rows)},
    )


@login_required
@require_GET
def version_figure_changes(request, report_uuid, key: str):
    """The records that entered, left or count differently in one figure
    since a version was published, with who touched them since (audit log)."""
    require_reports(request.user)
    report = _published_version(report_uuid)
    if key not in FIGURES:
        raise Http404
    figure = FIGURES[key]
    changes = figure_changes(report, key, request.user)
    names = [name for name, _lookup in figure.columns]
    for change in [*changes.entered, *changes.left, *changes.changed]:
        change.cells = _cells(figure, report.year, names, change.row)
    services.version_changes_record(user=request.user, report=report, key=key)
    language = _language()
    return render(
        request,
        "reports/version_figure_changes.html",
        {
            "report": report,
            "figure": figure,
            "changes": changes,
            "columns": [COLUMN_LABELS.get(n, n) for n in names],
            "has_values": not isinstance(figure.measure, Rows | Distinct),
            "groups": [
                (_("Entered the figure since"), "entered", changes.entered),
                (_("Left the figure since"), "left", changes.left),
                (_("Counted differently since"), "changed", changes.changed),
            ],
            "published": format_value(key, changes.published_value, language)
            if changes.published_value is not None
            else "–",
            "today": format_value(key, changes.today_value, language),
        },
    )
