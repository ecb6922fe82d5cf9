"""Program staff connect a webhook in a browser, on a phone and on a desktop: add it (the secret
is shown once, and the association's receiver checks signatures with it), send a test ping that
the real worker delivers to a real HTTP server, see a failure in the delivery log and send it
again, pause, and delete. axe-core on each page; nothing scrolls sideways."""

import re

import pytest

from mentoring.services.enrollment import enroll
from notifications.models import WebhookDelivery, WebhookEndpoint
from notifications.tests.helpers import run_worker
from notifications.tests.test_webhooks import Receiver
from tests.browser.pages import sign_in
from tests.browser.test_phone_widths import SIDEWAYS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def fits(page):
    width = page.evaluate(SIDEWAYS)
    assert width["scrollWidth"] <= width["innerWidth"], width["culprits"]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_staff_add_a_webhook_ping_it_and_read_the_delivery_log(
    page, staff, mentee, option, screenshot, assert_accessible, viewport
):
    page.set_viewport_size(viewport)
    size = f"{viewport['width']}px"
    with Receiver(answers=[200, 500]) as receiver:
        sign_in(page, staff.email)
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        page.goto("/staff/integrations/")
        page.get_by_role("link", name="Webhooks").click()
        page.wait_for_url("**/staff/integrations/webhooks/")
        screenshot(page, f"{size}-webhooks-empty")
        assert_accessible(page)
        fits(page)

        # A bad address first: refused, with a message, and nothing made.
        page.get_by_label("URL").fill("ftp://ams.example.org/hooks")
        page.get_by_label("A member enrolled").check()
        page.get_by_role("button", name="Add the webhook").click()
        assert page.get_by_text("The address must start with https://").is_visible()
        assert not WebhookEndpoint.objects.exists()
        assert_accessible(page)

        page.get_by_label("URL").fill(receiver.url)
        page.get_by_label("Description").fill("Our AMS")
        page.get_by_label("A member enrolled").check()
        page.get_by_label("A request was accepted or declined").check()
        page.get_by_role("button", name="Add the webhook").click()
        secret = page.get_by_role("textbox", name="Signing secret").input_value()
        endpoint = WebhookEndpoint.objects.get()
        assert secret == endpoint.secret
        assert endpoint.events == ["member.enrolled", "request.answered"]
        screenshot(page, f"{size}-webhook-secret-shown-once")
        assert_accessible(page)
        fits(page)
        receiver.secret = secret  # what the association's IT person pastes into their receiver

        page.goto("/staff/integrations/webhooks/")
        assert secret not in page.content()
        page.get_by_role("link", name=receiver.url).click()
        page.get_by_role("button", name="Send a test ping").click()
        assert page.get_by_text("A test ping is on its way").is_visible()

        # A real event: the member enrolls; the worker delivers both.
        negotiation = option("Leadership Skills", "Negotiation").pk
        enroll(mentee, "mentee", option_ids=[negotiation], statement="Grow")
        run_worker("webhooks")
        assert [p["event"] for p in receiver.payloads()] == ["ping", "member.enrolled"]
        assert all(request["valid"] for request in receiver.received)

        page.reload()
        log = page.get_by_role("region", name="Delivery log")
        assert log.get_by_role("cell", name=re.compile(r"^Delivered \d")).count() == 1
        assert log.get_by_text("500 Internal Server Error").is_visible()
        screenshot(page, f"{size}-webhook-delivery-log")
        assert_accessible(page)
        fits(page)

        # The failure given up (here: at once), then sent again by staff and delivered.
        WebhookDelivery.objects.filter(status="pending").update(status="failed")
        page.reload()
        page.get_by_role("button", name="Send delivery").click()
        assert page.get_by_text("queued to be sent again").is_visible()
        run_worker("webhooks")
        assert [p["event"] for p in receiver.payloads()][-1] == "member.enrolled"
        assert (
            receiver.received[-1]["headers"]["webhook-id"]
            == (receiver.received[1]["headers"]["webhook-id"])
        )

        page.get_by_role("button", name="Pause").click()
        assert page.get_by_text("The webhook is paused").is_visible()
        endpoint.refresh_from_db()
        assert not endpoint.active

        page.get_by_role("button", name="Make a new secret").click()
        new_secret = page.get_by_role("textbox", name="Signing secret").input_value()
        endpoint.refresh_from_db()
        assert new_secret == endpoint.secret != secret
        screenshot(page, f"{size}-webhook-new-secret")
        assert_accessible(page)
        fits(page)

        page.goto(f"/staff/integrations/webhooks/{endpoint.pk}/")
        # Not without the box ticked (the browser asks for it; the server refuses too).
        page.get_by_role("button", name="Delete the webhook").click()
        assert page.get_by_label("Yes, delete this webhook").evaluate("box => !box.validity.valid")
        assert WebhookEndpoint.objects.exists()
        page.get_by_label("Yes, delete this webhook").check()
        page.get_by_role("button", name="Delete the webhook").click()
        page.wait_for_url("**/staff/integrations/webhooks/")
        assert page.get_by_text("No webhooks yet").is_visible()
        assert not WebhookEndpoint.objects.exists()
