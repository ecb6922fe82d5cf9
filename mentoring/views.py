from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from members.models import Profile
from mentoring import services
from mentoring.forms import EnrollmentForm, ParticipationForm
from mentoring.models import Enrollment, ProgramSettings, Role


def _enrollment_page(request, role):
    """The program, the member's enrollment in `role` (or None) and the context every enrollment
    page shares. An unknown role is a 404."""
    if role not in Role.values:
        raise Http404("Unknown role")
    program = ProgramSettings.current()
    enrollment = Enrollment.objects.filter(user=request.user, role=role).first()
    context = {"role": role, "label": program.role_label(role), "enrollment": enrollment}
    return program, enrollment, context


@login_required
def enroll(request, role):
    program, enrollment, context = _enrollment_page(request, role)
    profile = Profile.objects.filter(user=request.user).first()
    if profile is None or not profile.is_complete:
        messages.info(
            request,
            f"Before you enroll as a {context['label']}, please complete your profile: "
            "your name and job title.",
        )
        return redirect(f"{reverse('members:profile_edit')}?{urlencode({'next': request.path})}")
    form = EnrollmentForm(request.POST or None, role=role, program=program, enrollment=enrollment)
    if request.method == "POST" and form.is_valid():
        was_enrolled = enrollment is not None and not enrollment.is_withdrawn
        try:
            services.enroll(
                request.user,
                role,
                option_ids=form.option_ids(),
                statement=form.cleaned_data["statement"],
                max_mentees=form.cleaned_data.get("max_mentees"),
            )
        except services.EnrollmentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Your {context['label']} enrollment has been saved."
                if was_enrolled
                else f"You are enrolled as a {context['label']}. Welcome!",
            )
            return redirect("mentoring:enroll", role=role)
    return render(request, "mentoring/enroll.html", context | {"form": form})


@login_required
def participation(request, role):
    program, enrollment, context = _enrollment_page(request, role)
    if enrollment is None or enrollment.is_withdrawn:
        messages.info(request, f"Enroll as a {context['label']} first.")
        return redirect("mentoring:enroll", role=role)
    form = ParticipationForm(request.POST or None, enrollment=enrollment, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            enrollment = services.set_participation(
                enrollment,
                paused=form.cleaned_data["paused"],
                return_date=form.cleaned_data["return_date"],
                available_until=form.cleaned_data.get("available_until"),
                max_mentees=form.cleaned_data.get("max_mentees"),
            )
        except services.EnrollmentError as error:
            form.add_error(None, str(error))
        else:
            until = f" until {enrollment.return_date:%B %-d, %Y}" if enrollment.return_date else ""
            messages.success(
                request, f"You are now {enrollment.get_status_display().lower()}{until}."
            )
            return redirect("mentoring:participation", role=role)
    return render(request, "mentoring/participation.html", context | {"form": form})


@login_required
def withdraw(request, role):
    _, enrollment, context = _enrollment_page(request, role)
    if enrollment is None or enrollment.is_withdrawn:
        raise Http404("No enrollment to withdraw")
    if request.method == "POST":
        try:
            services.withdraw(enrollment)
        except services.EnrollmentError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"You have withdrawn as a {context['label']}. Your choices are kept "
                "if you enroll again.",
            )
        return redirect("home")
    return render(request, "mentoring/withdraw.html", context)
