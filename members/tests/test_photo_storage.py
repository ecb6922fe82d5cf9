"""Photos on S3-compatible storage (STORAGE_URL=s3://bucket/prefix): uploaded, replaced and
removed through the profile page, served only to signed-in members through the photo view, and
an S3 server that is down costs the member nothing but a message.

Against a real S3 server: moto in server mode on a free loopback port, spoken to over HTTP by
django-storages and boto3 as in production."""

import io
import runpy
import socket
import uuid
from io import BytesIO
from pathlib import Path

import boto3
import pytest
from django.conf import settings as live_settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from moto.server import ThreadedMotoServer
from PIL import Image

from members.models import Profile
from members.tests.test_photos import BLUE, RED, assert_saved, jpeg, photo_url, post_photo

pytestmark = pytest.mark.django_db

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "mentormatch" / "settings.py"
PREFIX = "media"
NOT_STORED = "Your photo could not be stored just now, so nothing was saved."


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class S3Server:
    """A moto S3 server that a test can stop and start again on the same port (its objects are
    kept in this process's memory meanwhile, as a real server keeps them on disk)."""

    def __init__(self):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._server = None

    def start(self):
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        self.running = True

    def stop(self):
        self._server.stop()
        self.running = False


@pytest.fixture(scope="module")
def s3_server():
    server = S3Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def bucket(s3_server, settings, monkeypatch):
    return configure_bucket(s3_server, settings, monkeypatch)


def configure_bucket(s3_server, settings, monkeypatch):
    """A new private bucket, and the site configured for it as settings.py makes of the
    environment an operator sets."""
    name = f"photos-{uuid.uuid4().hex[:12]}"
    for variable, value in {
        "STORAGE_URL": f"s3://{name}/{PREFIX}",
        "AWS_S3_ENDPOINT_URL": s3_server.endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test-access-key",
        "AWS_SECRET_ACCESS_KEY": "test-secret-key",
    }.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.delenv("AWS_STORAGE_BUCKET_NAME", raising=False)
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_server.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test-access-key",
        aws_secret_access_key="test-secret-key",
    )
    s3.create_bucket(Bucket=name)
    configured = runpy.run_path(str(SETTINGS_FILE))
    # Resets the storages, so the photo fields' default storage is this bucket.
    settings.STORAGES = configured["STORAGES"]
    return Bucket(s3, name)


class Bucket:
    def __init__(self, s3, name):
        self.s3 = s3
        self.name = name

    def object_keys(self):
        listing = self.s3.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, name):
        return self.s3.get_object(Bucket=self.name, Key=f"{PREFIX}/{name}")["Body"].read()


def stored_names(member):
    profile = Profile.objects.get(pk=member.pk)
    return [profile.photo.name, profile.photo_thumb.name]


def keys_of(names):
    return sorted(f"{PREFIX}/{name}" for name in names)


def local_media():
    root = Path(live_settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def served(response):
    return b"".join(response.streaming_content)


def test_the_site_keeps_photos_in_the_bucket_named_by_storage_url(bucket):
    assert live_settings.STORAGES["default"]["BACKEND"] == "members.storage.PhotoS3Storage"
    options = live_settings.STORAGES["default"]["OPTIONS"]
    assert (options["bucket_name"], options["location"]) == (bucket.name, PREFIX)
    assert options["default_acl"] is None  # private: the bucket's default


def test_a_photo_uploaded_on_the_profile_page_is_stored_in_the_bucket(client, mentee, bucket):
    response = post_photo(client, mentee, jpeg(colour=RED))

    assert_saved(response, mentee)
    full, thumb = stored_names(mentee)
    assert full.startswith(f"photos/{mentee.pk}/") and thumb.endswith("-thumb.jpg")
    assert bucket.object_keys() == keys_of([full, thumb])
    assert local_media() == []
    with Image.open(BytesIO(bucket.read(thumb))) as image:
        assert (image.format, image.size) == ("JPEG", (96, 96))


@pytest.mark.parametrize(("size", "pixels"), [("full", (400, 400)), ("thumb", (96, 96))])
def test_a_signed_in_member_sees_the_photo_from_the_bucket(
    client, mentee, outsider, bucket, size, pixels
):
    assert_saved(post_photo(client, mentee, jpeg(colour=BLUE)), mentee)
    full, thumb = stored_names(mentee)
    client.force_login(outsider)

    response = client.get(photo_url(mentee, size))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, max-age=3600"
    body = served(response)
    # Streamed through the site, not a redirect to an address anyone could open.
    assert body == bucket.read(full if size == "full" else thumb)
    with Image.open(BytesIO(body)) as image:
        assert image.size == pixels


def test_serving_a_photo_costs_one_request_to_the_s3_server(client, mentee, outsider, bucket):
    """A sync web worker waits for each round trip, and a page of results shows twenty photos."""
    assert_saved(post_photo(client, mentee, jpeg()), mentee)
    client.force_login(outsider)
    sent = []
    default_storage.connection.meta.client.meta.events.register(
        "before-send.s3", lambda request, **kwargs: sent.append(request.method)
    )

    assert client.get(photo_url(mentee)).status_code == 200

    assert sent == ["GET"]


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in_instead(client, mentee, bucket):
    assert_saved(post_photo(client, mentee, jpeg()), mentee)
    client.logout()

    response = client.get(photo_url(mentee))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert bucket.name not in response["Location"]


def test_replacing_a_photo_stores_the_new_one_and_deletes_the_old_after_the_commit(
    client, mentee, bucket, django_capture_on_commit_callbacks
):
    assert_saved(post_photo(client, mentee, jpeg(colour=RED)), mentee)
    old = stored_names(mentee)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert_saved(post_photo(client, mentee, jpeg(colour=BLUE)), mentee)
    new = stored_names(mentee)
    assert set(new).isdisjoint(old)
    assert bucket.object_keys() == keys_of(old + new)  # kept until the commit

    for callback in callbacks:
        callback()

    assert bucket.object_keys() == keys_of(new)
    with Image.open(BytesIO(served(client.get(photo_url(mentee))))) as image:
        red, green, blue = image.getpixel((200, 200))
        assert blue > 200 and red < 60


def test_removing_a_photo_deletes_it_from_the_bucket(
    client, mentee, outsider, bucket, django_capture_on_commit_callbacks
):
    assert_saved(post_photo(client, mentee, jpeg()), mentee)

    with django_capture_on_commit_callbacks(execute=True):
        assert_saved(post_photo(client, mentee, None, remove_photo="on"), mentee)

    assert stored_names(mentee) == ["", ""]
    assert bucket.object_keys() == []
    client.force_login(outsider)
    assert client.get(photo_url(mentee)).status_code == 404


def test_a_photo_missing_from_the_bucket_is_a_404_not_an_error(client, mentee, outsider, bucket):
    assert_saved(post_photo(client, mentee, jpeg()), mentee)
    for key in bucket.object_keys():
        bucket.s3.delete_object(Bucket=bucket.name, Key=key)
    client.force_login(outsider)

    assert client.get(photo_url(mentee)).status_code == 404


def test_the_demo_members_photos_are_stored_in_the_bucket(client, bucket, monkeypatch):
    from demo import seed

    monkeypatch.setattr(seed, "PHOTO_MEMBERS", 3)

    call_command("seed_demo", members=3, seed=1, stdout=io.StringIO())

    with_photos = Profile.objects.exclude(photo="")
    names = [name for p in with_photos for name in (p.photo.name, p.photo_thumb.name)]
    assert names and bucket.object_keys() == keys_of(names)
    assert local_media() == []
    member = with_photos.select_related("user").first().user
    client.force_login(member)
    response = client.get(photo_url(member, "thumb"))
    assert response.status_code == 200
    assert served(response) == bucket.read(member.profile.photo_thumb.name)


# --- The S3 server is down -------------------------------------------------------------------


@pytest.fixture
def own_s3_server():
    """A server of this test's own, which it may stop."""
    server = S3Server()
    server.start()
    yield server
    if server.running:
        server.stop()


@pytest.fixture
def own_bucket(own_s3_server, settings, monkeypatch):
    return configure_bucket(own_s3_server, settings, monkeypatch)


def test_when_the_s3_server_is_down_the_member_is_told_and_nothing_is_lost(
    client, mentee, outsider, own_s3_server, own_bucket
):
    assert_saved(post_photo(client, mentee, jpeg(colour=RED)), mentee)
    before = stored_names(mentee)
    original = own_bucket.read(before[0])
    own_s3_server.stop()

    response = post_photo(client, mentee, jpeg(colour=BLUE), job_title="Senior Buyer")

    assert response.status_code == 200
    page = response.content.decode()
    assert NOT_STORED in page
    assert "Senior Buyer" in page  # what the member typed is still in the form
    profile = Profile.objects.get(pk=mentee.pk)
    assert profile.job_title == "Buyer"
    assert stored_names(mentee) == before

    # Meanwhile the photo view says it cannot show the photo: no 500.
    client.force_login(outsider)
    unavailable = client.get(photo_url(mentee))
    assert unavailable.status_code == 503
    assert unavailable.content.decode() == "The photo cannot be shown just now."

    own_s3_server.start()
    assert own_bucket.object_keys() == keys_of(before)
    assert served(client.get(photo_url(mentee))) == original


def test_removing_a_photo_while_the_s3_server_is_down_still_removes_it_from_the_profile(
    client, mentee, own_s3_server, own_bucket, django_capture_on_commit_callbacks
):
    assert_saved(post_photo(client, mentee, jpeg()), mentee)
    own_s3_server.stop()

    with django_capture_on_commit_callbacks(execute=True):
        response = post_photo(client, mentee, None, remove_photo="on")

    # The files stay behind in the bucket (logged); the member's photo is gone from the site.
    assert_saved(response, mentee)
    assert stored_names(mentee) == ["", ""]
