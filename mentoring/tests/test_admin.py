"""Program staff manage criteria and see every enrollment in the Django admin."""

import pytest

from mentoring.models import CriterionCategory, CriterionOption

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    return client


def test_staff_filter_enrollments_by_role_status_and_criterion(
    admin_client, enrolled_mentor, enrolled_mentee, option
):
    sourcing = option("Areas of Professional Experience", "Sourcing")

    by_role = admin_client.get("/admin/mentoring/enrollment/?role=mentee").content.decode()
    by_status = admin_client.get("/admin/mentoring/enrollment/?status=active").content.decode()
    by_option = admin_client.get(
        f"/admin/mentoring/enrollment/?option={sourcing.pk}"
    ).content.decode()

    assert "maria@example.com" in by_role and "david@example.com" not in by_role
    assert "maria@example.com" in by_status and "david@example.com" in by_status
    assert "david@example.com" in by_option and "maria@example.com" not in by_option


def test_staff_add_an_option_and_reorder_a_category(admin_client):
    category = CriterionCategory.objects.get(name="Languages")
    options = list(category.options.order_by("order"))
    data = {
        "name": "Languages",
        "help_text": category.help_text,
        "mentor_help_text": "",
        "mentee_help_text": "",
        "applies_to": "both",
        "kind": "preference",
        "multiple": "on",
        "weight": 1,
        "order": 5,
        "is_active": "on",
        "options-TOTAL_FORMS": len(options) + 1,
        "options-INITIAL_FORMS": len(options),
        "options-MIN_NUM_FORMS": 0,
        "options-MAX_NUM_FORMS": 1000,
    }
    for index, existing in enumerate(options):
        data |= {
            f"options-{index}-id": existing.pk,
            f"options-{index}-category": category.pk,
            f"options-{index}-label": existing.label,
            f"options-{index}-order": existing.order,
            f"options-{index}-is_active": "on",
        }
    data |= {
        f"options-{len(options)}-label": "Portuguese",
        f"options-{len(options)}-order": 5,
        f"options-{len(options)}-is_active": "on",
        f"options-{len(options)}-category": category.pk,
    }

    response = admin_client.post(f"/admin/mentoring/criterioncategory/{category.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    category.refresh_from_db()
    assert category.order == 5
    assert category.options.order_by("order").first().label == "Portuguese"
    assert list(CriterionCategory.objects.values_list("name", flat=True))[0] == "Languages"


def test_categories_and_options_cannot_be_deleted_only_deactivated(admin_client):
    category = CriterionCategory.objects.get(name="Languages")
    option = CriterionOption.objects.filter(category=category).first()

    assert (
        admin_client.post(
            f"/admin/mentoring/criterioncategory/{category.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert (
        admin_client.post(
            f"/admin/mentoring/criterionoption/{option.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert CriterionCategory.objects.filter(pk=category.pk).exists()


def test_a_weight_above_ten_is_refused(admin_client):
    category = CriterionCategory.objects.get(name="Region")

    response = admin_client.post(
        "/admin/mentoring/criterioncategory/",
        {
            "form-TOTAL_FORMS": 1,
            "form-INITIAL_FORMS": 1,
            "form-0-id": category.pk,
            "form-0-order": category.order,
            "form-0-weight": 11,
            "form-0-is_active": "on",
            "_save": "Save",
        },
    )

    assert response.status_code == 200
    category.refresh_from_db()
    assert category.weight == 1


def test_program_settings_page_edits_the_program_and_role_names(admin_client):
    from mentoring.models import ProgramSettings

    program = ProgramSettings.current()
    response = admin_client.post(
        f"/admin/mentoring/programsettings/{program.pk}/change/",
        {
            "program_name": "AHRMM Mentor Match",
            "mentor_label": "Guide",
            "mentor_label_plural": "Guides",
            "mentee_label": "Protégé",
            "mentee_label_plural": "Protégés",
            "recommended_mentees": 2,
            "default_length_months": 6,
            "default_rhythm": "monthly",
            "max_open_requests": 5,
            "reminder_after_days": 7,
            "nudge_after_days": 14,
            "expire_after_days": 30,
            "email_retention_days": 30,
        },
    )

    assert response.status_code == 302
    program.refresh_from_db()
    assert (program.program_name, program.mentor_label) == ("AHRMM Mentor Match", "Guide")


def test_staff_set_the_follow_up_days_in_order(admin_client):
    from mentoring.models import ProgramSettings

    program = ProgramSettings.current()
    data = {
        "program_name": "Mentor Match",
        "mentor_label": "Mentor",
        "mentor_label_plural": "Mentors",
        "mentee_label": "Mentee",
        "mentee_label_plural": "Mentees",
        "recommended_mentees": 2,
        "default_length_months": 6,
        "default_rhythm": "monthly",
        "max_open_requests": 5,
        "email_retention_days": 30,
    }
    url = f"/admin/mentoring/programsettings/{program.pk}/change/"

    refused = admin_client.post(
        url, data | {"reminder_after_days": 10, "nudge_after_days": 5, "expire_after_days": 30}
    )
    assert "The reminder must come before the nudge" in refused.content.decode()
    program.refresh_from_db()
    assert program.reminder_after_days == 7

    admin_client.post(
        url, data | {"reminder_after_days": 3, "nudge_after_days": 10, "expire_after_days": 21}
    )
    program.refresh_from_db()
    assert (program.reminder_after_days, program.expire_after_days) == (3, 21)


def test_members_who_are_not_staff_cannot_open_the_admin(client, mentee):
    client.force_login(mentee)
    response = client.get("/admin/mentoring/enrollment/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
