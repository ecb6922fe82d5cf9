"""The staff reports: an index, each report as a paged table, and each as a streamed CSV."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from mentoring.models import ProgramSettings
from program.access import staff_required
from program.report_forms import ReportFilterForm
from program.reports import REPORTS, csv_lines

PAGE_SIZE = 50


def _report_and_filters(request, slug):
    report = REPORTS.get(slug)
    if report is None:
        raise Http404("No such report")
    form = ReportFilterForm(request.GET, report=report, program=ProgramSettings.current())
    return report, form


@staff_required
def report_index(request):
    return render(
        request,
        "program/reports/index.html",
        {"reports": REPORTS.values(), "staff_section": "reports"},
    )


@staff_required
def report_page(request, slug):
    report, form = _report_and_filters(request, slug)
    context = {"report": report, "form": form, "staff_section": "reports"}
    if not form.is_valid():
        return render(request, "program/reports/report.html", context, status=400)
    paginator = Paginator(report.queryset(form.cleaned_data), PAGE_SIZE)
    paginator.count = report.total(form.cleaned_data)  # replaces the cached_property's count()
    page = paginator.get_page(request.GET.get("page"))
    program = ProgramSettings.current()
    context.update(
        page=page,
        rows=report.rows(page, program),
        filter_query=form.query_string(),
    )
    return render(request, "program/reports/report.html", context)


@staff_required
def report_csv(request, slug):
    report, form = _report_and_filters(request, slug)
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[name].label if name in form.fields else 'Filters'}: {' '.join(errors)}"
            for name, errors in form.errors.items()
        )
        return HttpResponseBadRequest(
            f"The filters are not valid, so no report was made. {problems}",
            content_type="text/plain; charset=utf-8",
        )
    response = StreamingHttpResponse(
        csv_lines(report, form.cleaned_data), content_type="text/csv; charset=utf-8"
    )
    filename = f"{report.slug}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
