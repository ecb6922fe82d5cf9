from django.shortcuts import render

from program.access import staff_required


@staff_required
def dashboard(request):
    return render(request, "program/dashboard.html", {})
