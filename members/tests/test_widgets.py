"""The widgets that write their markup in Python write what Django's templates write."""

import re

import pytest
from django import forms
from django.template import Context, Template

from members.forms import ProfileForm
from mentoring.forms import EnrollmentForm
from mentoring.models import ProgramSettings
from program.report_forms import ReportFilterForm
from program.reports import REPORTS

pytestmark = pytest.mark.django_db

FIELDS = Template("{% for field in form %}{{ field.as_field_group }}{% endfor %}")


def same_markup(html):
    """Django's select template leaves a blank line between options; nothing else may differ."""
    return re.sub(r"\n\s*\n", "\n", html)


def with_django_selects(form, names):
    for name in names:
        form.fields[name].widget = forms.Select(choices=form.fields[name].choices)
    return form


@pytest.mark.parametrize(
    "data",
    [None, {"first_name": "Maria", "country": "PT", "time_zone": "Europe/Lisbon"}],
)
def test_the_profile_forms_country_and_time_zone_lists_are_djangos(mentee, data):
    names = ("country", "time_zone")

    def render(form):
        return FIELDS.render(Context({"form": form}))

    ours = ProfileForm(data, instance=mentee.profile)
    theirs = with_django_selects(ProfileForm(data, instance=mentee.profile), names)
    if data:
        ours.is_valid(), theirs.is_valid()

    assert 'value="Europe/Lisbon" selected' in render(ours) or not data
    assert same_markup(render(ours)) == same_markup(render(theirs))


@pytest.mark.parametrize("data", [{}, {"option": "3"}, {"option": "not-a-number"}])
def test_the_reports_criterion_list_is_djangos(default_criteria, data):
    def form():
        return ReportFilterForm(
            data, report=REPORTS["participants"], program=ProgramSettings.current()
        )

    ours, theirs = form(), with_django_selects(form(), ["option"])
    ours.is_valid(), theirs.is_valid()

    html = FIELDS.render(Context({"form": ours}))
    assert html.count("<option") > 20
    assert same_markup(html) == same_markup(FIELDS.render(Context({"form": theirs})))


@pytest.mark.parametrize("role", ["mentor", "mentee"])
def test_the_enrollment_checkboxes_are_djangos(enrolled_mentor, role):
    loop = Template(
        "{% for field in form.category_fields %}{% for choice in field %}"
        '<label class="option" for="{{ choice.id_for_label }}">{{ choice.tag }} '
        "{{ choice.choice_label }}</label>{% endfor %}{% endfor %}"
    )
    tag = Template(
        "{% load members_tags %}{% for field in form.category_fields %}"
        "{% option_labels field %}{% endfor %}"
    )
    form = EnrollmentForm(
        {"statement": "x", "criteria_999": "7"} if role == "mentee" else None,
        role=role,
        program=ProgramSettings.current(),
        enrollment=enrolled_mentor.enrollments.get() if role == "mentor" else None,
    )
    form.is_valid()

    html = tag.render(Context({"form": form}))
    assert html.count("<input") > 20 and (" checked>" in html) == (role == "mentor")
    assert html == loop.render(Context({"form": form}))
