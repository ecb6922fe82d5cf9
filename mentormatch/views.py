from django.shortcuts import render

from mentoring.models import Enrollment, Role


def home(request):
    context = {}
    if request.user.is_authenticated:
        enrollments = {e.role: e for e in Enrollment.objects.filter(user=request.user)}
        context["my_roles"] = [(role, enrollments.get(role)) for role in (Role.MENTOR, Role.MENTEE)]
    return render(request, "home.html", context)
