"""Member import pages: upload a CSV, read its check, run it (or a dry run), watch it go."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from program import importing
from program.access import staff_required
from program.import_forms import UploadForm
from program.models import ImportBatch

PREVIEW_ROWS = 100


@staff_required
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = importing.create_batch(
                form.cleaned_data["file"],
                send_invitations=form.cleaned_data["send_invitations"],
                staff=request.user,
            )
        except importing.ImportFileError as error:
            form.add_error("file", str(error))
        else:
            return redirect("program:import_batch", pk=batch.pk)
    batches = ImportBatch.objects.defer("content", "problems").select_related(
        "uploaded_by__profile"
    )[:50]
    return render(
        request,
        "program/import/upload.html",
        {"form": form, "batches": batches, "staff_section": "import"},
    )


def _progress_context(batch):
    return {
        "batch": batch,
        "can_run": importing.can_run(batch),
        "in_progress": batch.status in (ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING),
    }


@staff_required
def batch_detail(request, pk):
    batch = get_object_or_404(ImportBatch, pk=pk)
    report = importing.parse_csv(batch.content)
    context = _progress_context(batch) | {
        "report": report,
        "preview_rows": report.rows[:PREVIEW_ROWS],
        "invalid_rows": [row for row in report.rows if not row.is_valid][:PREVIEW_ROWS],
        "preview_limit": PREVIEW_ROWS,
        "staff_section": "import",
    }
    return render(request, "program/import/batch.html", context)


@staff_required
def progress(request, pk):
    batch = get_object_or_404(ImportBatch, pk=pk)
    return render(request, "program/import/_progress.html", _progress_context(batch))


@staff_required
@require_POST
def run(request, pk):
    batch = get_object_or_404(ImportBatch, pk=pk)
    dry_run = request.POST.get("dry_run") == "1"
    try:
        importing.queue_import(batch, dry_run=dry_run, staff=request.user)
    except importing.ImportStateError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            "The dry run is queued: nothing will be written."
            if dry_run
            else "The import is queued. This page shows its progress.",
        )
    return redirect("program:import_batch", pk=batch.pk)
