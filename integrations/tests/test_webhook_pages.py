"""The webhook pages program staff use: add a webhook (its secret shown once), pause and activate
it, make a new secret, send a test ping, delete it, read its delivery log and send a failed
delivery again. Anyone else is refused, and a refusal changes nothing."""

import pytest
from django.urls import reverse

from notifications import webhooks
from notifications.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

LIST = "/staff/integrations/webhooks/"
HOOK = "https://ams.example.org/hooks/mentoring"


@pytest.fixture
def as_staff(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def endpoint(staff):
    return webhooks.create_endpoint(url=HOOK, events=["member.enrolled"], by=staff)


def page(endpoint, action=""):
    return f"{LIST}{endpoint.pk}/{action}"


def rows():
    return (
        list(WebhookEndpoint.objects.order_by("pk").values()),
        list(WebhookDelivery.objects.order_by("pk").values()),
    )


def a_failed_delivery(endpoint, reason="The receiver answered 500 Internal Server Error"):
    delivery = webhooks.send_ping(endpoint.pk)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status="failed", attempts=24, last_error=reason, last_status_code=500
    )
    return delivery


def test_staff_add_a_webhook_and_see_its_secret_once(as_staff, staff):
    response = as_staff.post(
        LIST,
        {
            "url": HOOK,
            "description": "AMS",
            "events": ["member.enrolled", "relationship.started"],
        },
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.url, endpoint.description, endpoint.active) == (HOOK, "AMS", True)
    assert endpoint.events == ["member.enrolled", "relationship.started"]
    assert endpoint.created_by == staff
    assert endpoint.secret in response.content.decode()
    assert "shown only this once" in response.content.decode()
    # Never again: not on the list, not on its page.
    for url in (LIST, page(endpoint)):
        response = as_staff.get(url)
        assert response.status_code == 200
        assert endpoint.secret not in response.content.decode()
        assert HOOK in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "ftp://ams.example.org/x", "events": ["member.enrolled"]}, "must start with"),
        ({"url": "javascript:alert(1)", "events": ["member.enrolled"]}, "must start with"),
        ({"url": "https://ams.example.org/\x00", "events": ["member.enrolled"]}, ""),
        ({"url": "https://a:b@ams.example.org/", "events": ["member.enrolled"]}, "user name"),
        ({"url": HOOK, "events": []}, "Choose at least one event"),
        ({"url": HOOK, "events": ["member.deleted"]}, "not one of the available choices"),
        ({"url": HOOK, "events": "member.enrolled"}, ""),
        ({"url": "x" * 3000, "events": ["member.enrolled"]}, ""),
        ({}, "required"),
    ],
)
def test_a_bad_webhook_is_refused_with_a_message_and_nothing_is_made(as_staff, data, message):
    if data.get("events") == "member.enrolled":
        # One event as a plain string is a list of one: accepted.
        assert as_staff.post(LIST, data).status_code == 200
        assert WebhookEndpoint.objects.count() == 1
        return
    response = as_staff.post(LIST, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_private_addresses_are_refused_on_the_page_when_not_allowed(as_staff, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    response = as_staff.post(LIST, {"url": "http://10.1.2.3/hook", "events": ["member.enrolled"]})
    assert response.status_code == 400
    assert "not a public address" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_staff_pause_and_activate_a_webhook(as_staff, endpoint):
    response = as_staff.post(page(endpoint, "active/"))
    assert response.status_code == 302 and response["Location"] == page(endpoint)
    endpoint.refresh_from_db()
    assert not endpoint.active
    assert "Paused" in as_staff.get(page(endpoint)).content.decode()
    as_staff.post(page(endpoint, "active/"), {"active": "on"})
    endpoint.refresh_from_db()
    assert endpoint.active


def test_a_new_secret_is_shown_once_and_replaces_the_old(as_staff, endpoint):
    old = endpoint.secret
    response = as_staff.post(page(endpoint, "secret/"))
    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.secret in response.content.decode()
    assert endpoint.secret not in as_staff.get(page(endpoint)).content.decode()


def test_a_test_ping_is_queued_and_shows_in_the_log(as_staff, endpoint):
    response = as_staff.post(page(endpoint, "ping/"), follow=True)
    assert "test ping is on its way" in response.content.decode()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.status, delivery.endpoint) == ("ping", "pending", endpoint)
    assert str(delivery.event_id) in response.content.decode()


def test_the_log_shows_why_a_delivery_failed_and_staff_send_it_again(as_staff, endpoint):
    failed = a_failed_delivery(endpoint)
    log = as_staff.get(page(endpoint)).content.decode()
    assert "The receiver answered 500 Internal Server Error" in log
    assert "Resend" in log
    response = as_staff.post(page(endpoint, f"deliveries/{failed.pk}/resend/"), follow=True)
    assert "queued to be sent again" in response.content.decode()
    copy = WebhookDelivery.objects.exclude(pk=failed.pk).get()
    assert (copy.status, copy.event_id) == ("pending", failed.event_id)
    failed.refresh_from_db()
    assert failed.status == "failed"
    # Only the failed one is shown, when asked.
    shown = as_staff.get(page(endpoint), {"status": "failed"}).content.decode()
    assert shown.count("Resend</button>") == 1
    assert as_staff.get(page(endpoint), {"status": "\x00", "page": "x" * 50}).status_code == 200


def test_a_delivery_that_did_not_fail_is_not_sent_again(as_staff, endpoint):
    [delivery] = webhooks.publish("member.enrolled", {"member": {"id": 1}})
    before = rows()
    response = as_staff.post(page(endpoint, f"deliveries/{delivery.pk}/resend/"), follow=True)
    assert "Only a failed delivery can be sent again" in response.content.decode()
    assert rows() == before


def test_a_delivery_of_another_webhook_or_none_is_not_found(as_staff, endpoint):
    other = webhooks.create_endpoint(url=HOOK + "/other", events=["member.enrolled"])
    failed = a_failed_delivery(other)
    before = rows()
    for url in (
        page(endpoint, f"deliveries/{failed.pk}/resend/"),
        page(endpoint, f"deliveries/{10**18}/resend/"),
        f"{LIST}{10**18}/deliveries/{failed.pk}/resend/",
        f"{LIST}99999999999999999999/",
        f"{LIST}{10**18}/ping/",
        f"{LIST}{10**18}/secret/",
        f"{LIST}{10**18}/active/",
        f"{LIST}{10**18}/delete/",
    ):
        assert as_staff.post(url, {"confirm": "on"}).status_code == 404, url
    assert as_staff.get(f"{LIST}{10**18}/").status_code == 404
    assert rows() == before


def test_deleting_needs_the_box_ticked(as_staff, endpoint):
    before = rows()
    response = as_staff.post(page(endpoint, "delete/"))
    assert response.status_code == 400
    assert "Tick the box to confirm" in response.content.decode()
    assert rows() == before
    response = as_staff.post(page(endpoint, "delete/"), {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == LIST
    assert not WebhookEndpoint.objects.exists()


def test_the_actions_answer_only_to_post(as_staff, endpoint):
    for action in ("active/", "ping/", "secret/", "delete/"):
        assert as_staff.get(page(endpoint, action)).status_code == 405


@pytest.mark.parametrize("who", ["outsider", "mentee", "anonymous"])
def test_anyone_but_staff_is_refused_and_nothing_changes(client, request, endpoint, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    failed = a_failed_delivery(endpoint)
    before = rows()
    posts = [
        (LIST, {"url": HOOK, "events": ["member.enrolled"]}),
        (page(endpoint, "active/"), {}),
        (page(endpoint, "ping/"), {}),
        (page(endpoint, "secret/"), {}),
        (page(endpoint, "delete/"), {"confirm": "on"}),
        (page(endpoint, f"deliveries/{failed.pk}/resend/"), {}),
    ]
    for url, data in [*posts, (LIST, None), (page(endpoint), None)]:
        response = client.post(url, data) if data is not None else client.get(url)
        if who == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login")), url
        else:
            assert response.status_code == 404, url
        assert endpoint.secret not in response.content.decode()
    assert rows() == before


def test_the_integrations_page_links_to_the_webhooks(as_staff):
    assert f'href="{LIST}"' in as_staff.get("/staff/integrations/").content.decode()
