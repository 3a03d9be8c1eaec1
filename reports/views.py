"""The Reports page: request the impact report, follow the queue, download.

Directors and administrators only (reports.access.require_reports); everyone
else gets a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import services
from .access import require_reports
from .exports import figures_csv
from .forms import FiguresYearForm, ReportRequestForm
from .models import ImpactReport
from .pdf import FIGURE_LABELS, format_change, format_value
from .selectors import figures_table, report_get, reports_recent


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
        "reports": reports_recent(),
        "figures": _figures_for_screen(year),
    }
    return render(request, "reports/index.html", context)


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
