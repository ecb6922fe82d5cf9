from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html

from members.models import Profile, country_name
from mentoring import find as find_params
from mentoring import search
from mentoring.forms import EnrollmentForm, ParticipationForm
from mentoring.models import Enrollment, ProgramSettings, Role
from mentoring.services import enrollment as enrollment_service
from mentoring.services import errors
from mentoring.services.shortlist import shortlisted_mentor_ids

SORT_CHOICES = [
    ("best", "Best match"),
    ("name", "Name"),
    ("newest", "Newest"),
    ("active", "Recently active"),
]


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
            enrollment_service.enroll(
                request.user,
                role,
                option_ids=form.option_ids(),
                statement=form.cleaned_data["statement"],
                max_mentees=form.cleaned_data.get("max_mentees"),
            )
        except errors.EnrollmentError as error:
            form.add_error(None, str(error))
        else:
            if was_enrolled:
                messages.success(request, f"Your {context['label']} enrollment has been saved.")
            else:
                # Straight on to what enrolling is for: the search for the other role.
                other = Role.MENTEE if role == Role.MENTOR else Role.MENTOR
                messages.success(
                    request,
                    format_html(
                        'You are enrolled as a {}. Welcome! <a class="button message-action" '
                        'href="{}">Find a {}</a>',
                        context["label"],
                        reverse(f"mentoring:find_{other}"),
                        program.role_label(other),
                    ),
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
            enrollment = enrollment_service.set_participation(
                enrollment,
                paused=form.cleaned_data["paused"],
                return_date=form.cleaned_data["return_date"],
                available_until=form.cleaned_data.get("available_until"),
                max_mentees=form.cleaned_data.get("max_mentees"),
            )
        except errors.EnrollmentError as error:
            form.add_error(None, str(error))
        else:
            until = f" until {enrollment.return_date:%B %-d, %Y}" if enrollment.return_date else ""
            messages.success(
                request, f"You are now {enrollment.get_status_display().lower()}{until}."
            )
            if full := enrollment_service.capacity_note(enrollment):
                messages.info(request, full)
            return redirect("mentoring:participation", role=role)
    return render(request, "mentoring/participation.html", context | {"form": form})


@login_required
def withdraw(request, role):
    _, enrollment, context = _enrollment_page(request, role)
    if enrollment is None or enrollment.is_withdrawn:
        raise Http404("No enrollment to withdraw")
    if request.method == "POST":
        try:
            enrollment_service.withdraw(enrollment)
        except errors.EnrollmentError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"You have withdrawn as a {context['label']}. Your choices are kept "
                "if you enroll again.",
            )
        return redirect("home")
    return render(request, "mentoring/withdraw.html", context)


@login_required
def find(request, target_role):
    """Find a Mentor (for enrolled mentees) and Find a Mentee (for enrolled mentors)."""
    program = ProgramSettings.current()
    searcher_role = Role.MENTEE if target_role == Role.MENTOR else Role.MENTOR
    context = {
        "target_role": target_role,
        "searcher_role": searcher_role,
        "target_label": program.role_label(target_role),
        "target_plural": program.role_label(target_role, plural=True),
        "searcher_label": program.role_label(searcher_role),
    }
    found = find_params.find(request.GET, member=request.user, target_role=target_role)
    if found is None:
        return render(request, "mentoring/find_enroll_first.html", context)
    form, results = found.form, found.results
    context |= {
        "form": form,
        "results": results,
        # The searcher's shortlist, read once for the page: each mentor card shows its state.
        "rows": find_params.result_rows(
            results,
            form,
            program,
            shortlist=shortlisted_mentor_ids(request.user) if target_role == Role.MENTOR else None,
        ),
        "relaxation": found.relaxation,
        "page_query": form.page_query,
        "sort_choices": SORT_CHOICES,
        "country_choices": [(code, country_name(code)) for code in results.countries],
        "time_zone_choices": [(tz, tz.replace("_", " ")) for tz in results.time_zones],
    }
    # Without JavaScript the GET form reloads the page. With htmx, a change in the filters swaps
    # #find-results and the filters' own counts in place, so that an open filters panel stays
    # open; submitting (Search, Apply filters) swaps all of #find, which closes it. The address
    # follows either way, and the server renders the same page.
    return render(request, "mentoring/find.html", context)


def suggested_for(member, enrollment, program, *, count: int, skip=frozenset()) -> dict:
    """The first `count` members Find a Mentor (for a mentee) or Find a Mentee (for a mentor)
    suggests when opened: the same form and search with a shorter page, less `skip` (the member's
    current partners), and how many it suggests in all. For the member's home page."""
    target_role = Role.MENTOR if enrollment.role == Role.MENTEE else Role.MENTEE
    form = find_params.build(
        QueryDict(),
        searcher=member,
        own_option_ids=[choice.option_id for choice in enrollment.choices.all()],
        target_role=target_role,
    )
    form.query.page_size = count + len(skip)
    results = search.run(form.query)
    rows = [
        row
        for row in find_params.result_rows(results, form, program)
        if row["profile"].user_id not in skip
    ]
    return {
        "target_role": target_role,
        "label": program.role_label(target_role),
        "plural": program.role_label(target_role, plural=True),
        "total": results.total,
        "rows": rows[:count],
        "find_url": reverse(
            "mentoring:find_mentor" if target_role == Role.MENTOR else "mentoring:find_mentee"
        ),
    }
