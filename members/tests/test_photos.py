"""Profile photos: uploaded through the profile form, checked, re-encoded, served to members."""

import re
import struct
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from members.models import Profile
from members.photos import MAX_BYTES, process_photo

pytestmark = pytest.mark.django_db

RED = (255, 0, 0)
GREEN = (0, 160, 0)
BLUE = (0, 0, 255)
WHITE = (255, 255, 255)

ORIENTATION = 0x0112
MAKE = 0x010F
GPS_IFD = 0x8825
GPS_LATITUDE_REF = 1
GPS_LATITUDE = 2

TOO_BIG = "The photo is larger than 5 MB. Please choose a smaller file."
TOO_MANY_PIXELS = "The photo&#x27;s dimensions are too large (at most 25 megapixels)."
WRONG_FORMAT = "Please upload a JPEG, PNG or WebP photo."
UNREADABLE = "This file is not a photo we can read. Please upload a JPEG, PNG or WebP image."


# --- Making files ----------------------------------------------------------------------------


def encode(image, fmt, **options):
    out = BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def two_colours(size, first, second, *, horizontal=True):
    """An image whose left (or top) half is `first` and the other half `second`."""
    width, height = size
    image = Image.new("RGB", size, second)
    half = (0, 0, width // 2, height) if horizontal else (0, 0, width, height // 2)
    image.paste(first, half)
    return image


def jpeg(size=(300, 300), colour=RED, **options):
    return encode(Image.new("RGB", size, colour), "JPEG", **options)


def png_declaring(width, height):
    """A valid black-and-white PNG of width x height that is tiny on disk: a decompression bomb."""

    def chunk(tag, body):
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    row = b"\x00" + bytes((width + 7) // 8)  # filter byte, then one bit per pixel
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- Looking at what was stored --------------------------------------------------------------


def media_files():
    root = Path(settings.MEDIA_ROOT)
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def stored_image(field):
    with field.open("rb") as handle:
        image = Image.open(BytesIO(handle.read()))
        image.load()
    return image


def close_to(pixel, colour, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


# --- Posting the profile form ----------------------------------------------------------------


def post_photo(client, member, data, name="photo.jpg", content_type="image/jpeg", **fields):
    """Post the profile form as the browser does: the member's current values plus the file."""
    profile = Profile.objects.get(pk=member.pk)
    form = {
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "job_title": profile.job_title,
        "organization": profile.organization,
        "contact_visibility": profile.contact_visibility,
        **fields,
    }
    if data is not None:
        form["photo_upload"] = upload(data, name, content_type)
    client.force_login(member)
    return client.post(reverse("members:profile_edit"), form)


def photo_url(member, size="full"):
    return reverse("members:photo", args=[member.pk, size])


def photo_profile(member):
    return reverse("members:profile", args=[member.pk])


def assert_saved(response, member):
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("members:profile", args=[member.pk])
    member.profile.refresh_from_db()


# --- Accepted photos -------------------------------------------------------------------------


def transparent_png():
    image = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (150, 0, 300, 300))
    return encode(image, "PNG")


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        pytest.param(jpeg(), "me.jpg", "image/jpeg", id="jpeg"),
        pytest.param(transparent_png(), "me.png", "image/png", id="png-with-transparency"),
        pytest.param(
            encode(Image.new("RGB", (300, 300), GREEN), "WEBP"), "me.webp", "image/webp", id="webp"
        ),
    ],
)
def test_member_can_upload_a_photo_stored_as_a_400px_jpeg_with_a_96px_thumbnail(
    client, mentee, data, name, content_type
):
    response = post_photo(client, mentee, data, name, content_type)

    assert_saved(response, mentee)
    profile = mentee.profile
    assert profile.photo.name.startswith(f"photos/{mentee.pk}/")
    assert profile.photo.name.endswith(".jpg")
    full = stored_image(profile.photo)
    thumb = stored_image(profile.photo_thumb)
    assert (full.format, full.size, full.mode) == ("JPEG", (400, 400), "RGB")
    assert (thumb.format, thumb.size, thumb.mode) == ("JPEG", (96, 96), "RGB")
    assert media_files() == sorted([profile.photo.name, profile.photo_thumb.name])


def test_it_flattens_a_transparent_png_onto_white(client, mentee):
    response = post_photo(client, mentee, transparent_png(), "logo.png", "image/png")

    assert_saved(response, mentee)
    full = stored_image(mentee.profile.photo)
    assert close_to(full.getpixel((50, 200)), WHITE), full.getpixel((50, 200))
    assert close_to(full.getpixel((350, 200)), BLUE), full.getpixel((350, 200))


@pytest.mark.parametrize(
    "size", [pytest.param((600, 200), id="wide"), pytest.param((200, 600), id="tall")]
)
def test_it_crops_a_non_square_photo_to_its_centre_square(client, mentee, size):
    # Three bands: only the middle one survives a centred square crop.
    width, height = size
    image = Image.new("RGB", size, GREEN)
    if width > height:
        image.paste(RED, (0, 0, 200, 200))
        image.paste(BLUE, (400, 0, 600, 200))
    else:
        image.paste(RED, (0, 0, 200, 200))
        image.paste(BLUE, (0, 400, 200, 600))

    response = post_photo(client, mentee, encode(image, "PNG"), "band.png", "image/png")

    assert_saved(response, mentee)
    full = stored_image(mentee.profile.photo)
    assert full.size == (400, 400)
    for corner in [(10, 10), (390, 10), (10, 390), (390, 390), (200, 200)]:
        assert close_to(full.getpixel(corner), GREEN), (corner, full.getpixel(corner))


def jpeg_with_exif(image, orientation=1):
    exif = Image.Exif()
    exif[MAKE] = "Canon"
    exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[GPS_LATITUDE_REF] = "N"
    gps[GPS_LATITUDE] = (41.0, 52.0, 55.0)
    data = encode(image, "JPEG", exif=exif)
    # The file really carries the location, so the test below can fail.
    assert Image.open(BytesIO(data)).getexif().get_ifd(GPS_IFD)[GPS_LATITUDE] == (41.0, 52.0, 55.0)
    return data


def test_it_strips_exif_including_the_location_from_the_stored_photo(client, mentee):
    response = post_photo(client, mentee, jpeg_with_exif(Image.new("RGB", (300, 300), RED)))

    assert_saved(response, mentee)
    for field in (mentee.profile.photo, mentee.profile.photo_thumb):
        image = stored_image(field)
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info
        with field.open("rb") as handle:
            raw = handle.read()
        assert b"Exif" not in raw
        assert b"Canon" not in raw


def test_it_turns_the_photo_upright_as_its_exif_orientation_says(client, mentee):
    # Stored sideways: red on the left, blue on the right. Orientation 6 means "rotate 90° clockwise
    # to display", which puts red on top and blue at the bottom.
    sideways = two_colours((200, 100), RED, BLUE)

    response = post_photo(client, mentee, jpeg_with_exif(sideways, orientation=6))

    assert_saved(response, mentee)
    full = stored_image(mentee.profile.photo)
    assert close_to(full.getpixel((350, 50)), RED), full.getpixel((350, 50))
    assert close_to(full.getpixel((50, 350)), BLUE), full.getpixel((50, 350))


def test_member_can_upload_a_camera_jpeg_that_pillow_reads_as_multi_picture(client, mentee):
    # Many cameras and phones add a second picture (a preview or an HDR gain map) to their JPEGs;
    # Pillow reports those files as "MPO". They are still ordinary .jpg photos.
    data = encode(
        Image.new("RGB", (300, 300), RED),
        "MPO",
        save_all=True,
        append_images=[Image.new("RGB", (160, 160), BLUE)],
    )
    assert Image.open(BytesIO(data)).format == "MPO"

    response = post_photo(client, mentee, data, "IMG_0001.JPG")

    assert_saved(response, mentee)
    full = stored_image(mentee.profile.photo)
    assert (full.format, full.size) == ("JPEG", (400, 400))
    assert close_to(full.getpixel((200, 200)), RED)


# --- Refused uploads -------------------------------------------------------------------------


def over_five_megabytes():
    # A perfectly good JPEG, padded past the limit: only its size is wrong.
    data = jpeg()
    return data + b"\0" * (MAX_BYTES + 1 - len(data))


def truncated_jpeg():
    # Cut in the middle of the pixel data: the header still reads, decoding the pixels fails.
    data = encode(Image.effect_noise((300, 300), 60).convert("RGB"), "JPEG")
    cut = data[: len(data) // 2]
    assert Image.open(BytesIO(cut)).size == (300, 300)
    return cut


REFUSED = [
    pytest.param(
        encode(Image.new("P", (50, 50)), "GIF"), "cat.gif", "image/gif", WRONG_FORMAT, id="gif"
    ),
    pytest.param(
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b'<script>alert(1)</script><rect width="10" height="10"/></svg>',
        "me.svg",
        "image/svg+xml",
        UNREADABLE,
        id="svg",
    ),
    pytest.param(truncated_jpeg(), "cut.jpg", "image/jpeg", UNREADABLE, id="truncated-jpeg"),
    pytest.param(
        bytes(range(256)) * 40, "random.jpg", "image/jpeg", UNREADABLE, id="random-bytes-as-jpg"
    ),
    pytest.param(over_five_megabytes(), "huge.jpg", "image/jpeg", TOO_BIG, id="over-5-mb"),
    pytest.param(
        png_declaring(10_000, 10_000), "bomb.png", "image/png", TOO_MANY_PIXELS, id="bomb"
    ),
    pytest.param(
        b"Hello, this is not a photo.\n", "notes.txt", "text/plain", UNREADABLE, id="text"
    ),
]


@pytest.mark.parametrize(("data", "name", "content_type", "message"), REFUSED)
def test_it_refuses_a_file_that_is_not_a_usable_photo_and_stores_nothing(
    client, mentee, data, name, content_type, message
):
    response = post_photo(client, mentee, data, name, content_type, job_title="Changed title")

    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "Nothing has been saved yet." in page
    mentee.profile.refresh_from_db()
    assert not mentee.profile.photo
    assert not mentee.profile.photo_thumb
    assert mentee.profile.job_title == "Buyer"
    assert media_files() == []


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_the_decompression_bomb_used_above_is_tiny_on_disk_and_huge_in_pixels():
    data = png_declaring(10_000, 10_000)

    assert len(data) < 100_000
    with Image.open(BytesIO(data)) as image:
        assert image.size == (10_000, 10_000)


def test_a_refused_upload_keeps_the_photo_the_member_already_has(client, mentee):
    assert_saved(post_photo(client, mentee, jpeg()), mentee)
    before = (mentee.profile.photo.name, mentee.profile.photo_thumb.name)

    response = post_photo(client, mentee, b"GIF89a not really", "x.gif", "image/gif")

    assert response.status_code == 200
    mentee.profile.refresh_from_db()
    assert (mentee.profile.photo.name, mentee.profile.photo_thumb.name) == before
    assert media_files() == sorted(before)


def test_a_good_photo_is_not_stored_when_another_field_is_invalid(client, mentee):
    response = post_photo(client, mentee, jpeg(), phone="call me")

    assert response.status_code == 200
    assert "Enter a phone number with at least six digits." in response.content.decode()
    mentee.profile.refresh_from_db()
    assert not mentee.profile.photo
    assert media_files() == []


# --- Replacing and removing ------------------------------------------------------------------


def test_replacing_a_photo_deletes_the_old_files_only_after_the_commit(
    client, mentee, django_capture_on_commit_callbacks
):
    assert_saved(post_photo(client, mentee, jpeg(colour=RED)), mentee)
    old = [mentee.profile.photo.name, mentee.profile.photo_thumb.name]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_photo(client, mentee, jpeg(colour=BLUE))

    assert_saved(response, mentee)
    new = [mentee.profile.photo.name, mentee.profile.photo_thumb.name]
    assert set(new).isdisjoint(old)
    assert close_to(stored_image(mentee.profile.photo).getpixel((200, 200)), BLUE)
    # Not yet committed: the old files are still there in case the transaction fails.
    assert media_files() == sorted(old + new)

    for callback in callbacks:
        callback()

    assert media_files() == sorted(new)


def test_member_can_remove_their_photo_and_its_files_are_deleted(
    client, mentee, django_capture_on_commit_callbacks
):
    assert_saved(post_photo(client, mentee, jpeg()), mentee)
    assert len(media_files()) == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = post_photo(client, mentee, None, remove_photo="on")

    assert_saved(response, mentee)
    assert not mentee.profile.photo
    assert not mentee.profile.photo_thumb
    assert media_files() == []
    assert (
        'class="avatar avatar-full avatar-initials"'
        in client.get(photo_profile(mentee)).content.decode()
    )


def test_saving_the_form_without_a_new_photo_keeps_the_current_one(
    client, mentee, django_capture_on_commit_callbacks
):
    assert_saved(post_photo(client, mentee, jpeg()), mentee)
    before = media_files()

    with django_capture_on_commit_callbacks(execute=True):
        response = post_photo(client, mentee, None, job_title="Senior Buyer")

    assert_saved(response, mentee)
    assert mentee.profile.job_title == "Senior Buyer"
    assert sorted([mentee.profile.photo.name, mentee.profile.photo_thumb.name]) == before
    assert media_files() == before


# --- Serving photos --------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "pixels"), [("full", (400, 400)), ("thumb", (96, 96))])
def test_it_serves_a_photo_as_jpeg_to_a_signed_in_member(client, mentee, outsider, size, pixels):
    assert_saved(post_photo(client, mentee, jpeg()), mentee)
    client.force_login(outsider)

    response = client.get(photo_url(mentee, size))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    body = b"".join(response.streaming_content)
    field = mentee.profile.photo if size == "full" else mentee.profile.photo_thumb
    with field.open("rb") as handle:
        assert body == handle.read()
    assert Image.open(BytesIO(body)).size == pixels


@pytest.mark.parametrize("size", ["full", "thumb"])
def test_it_sends_an_anonymous_visitor_to_sign_in_instead_of_serving_a_photo(client, mentee, size):
    assert_saved(post_photo(client, mentee, jpeg()), mentee)
    client.logout()

    response = client.get(photo_url(mentee, size))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={photo_url(mentee, size)}"


def test_it_answers_404_for_the_photo_of_a_member_without_one(client, mentee, outsider):
    client.force_login(outsider)

    assert client.get(photo_url(mentee, "full")).status_code == 404
    assert client.get(photo_url(mentee, "thumb")).status_code == 404


def test_it_answers_404_for_an_unknown_photo_size(client, mentee, outsider):
    assert_saved(post_photo(client, mentee, jpeg()), mentee)
    client.force_login(outsider)

    assert client.get(photo_url(mentee, "full")).status_code == 200
    assert client.get(f"/members/{mentee.pk}/photo/original.jpg").status_code == 404


def test_it_answers_404_for_the_photo_of_an_inactive_account(client, mentee, outsider):
    assert_saved(post_photo(client, mentee, jpeg()), mentee)
    mentee.is_active = False
    mentee.save()
    client.force_login(outsider)

    assert client.get(photo_url(mentee, "full")).status_code == 404


# --- Avatars on pages ------------------------------------------------------------------------


def test_a_member_without_a_photo_gets_their_initials_as_avatar(client, mentee, outsider):
    client.force_login(outsider)

    page = client.get(photo_profile(mentee)).content.decode()

    avatars = re.findall(r'<span class="([^"]*\bavatar-initials\b[^"]*)"[^>]*>([^<]*)</span>', page)
    assert [(classes.split(), text.strip()) for classes, text in avatars] == [
        (["avatar", "avatar-full", "avatar-initials"], "MS")
    ]
    assert photo_url(mentee) not in page


def test_a_member_with_a_photo_shows_it_instead_of_initials(client, mentee, outsider):
    assert_saved(post_photo(client, mentee, jpeg()), mentee)
    client.force_login(outsider)

    page = client.get(photo_profile(mentee)).content.decode()

    assert f'src="{photo_url(mentee)}"' in page
    assert 'alt="Photo of Maria Santos"' in page
    assert "avatar-initials" not in page


# --- process_photo on its own ----------------------------------------------------------------


def test_it_makes_a_full_size_and_a_thumbnail_jpeg_with_matching_random_names():
    first = process_photo(upload(jpeg()))
    second = process_photo(upload(jpeg()))

    assert re.fullmatch(r"[0-9a-f]{16}\.jpg", first.full.name)
    assert first.thumb.name == first.full.name.replace(".jpg", "-thumb.jpg")
    assert first.full.name != second.full.name
    assert Image.open(BytesIO(first.full.read())).size == (400, 400)
    assert Image.open(BytesIO(first.thumb.read())).size == (96, 96)


def test_it_accepts_a_photo_of_exactly_5_mb_and_refuses_one_byte_more():
    data = jpeg()
    exactly = data + b"\0" * (MAX_BYTES - len(data))

    assert len(exactly) == MAX_BYTES
    assert process_photo(upload(exactly)).full.size > 0
    with pytest.raises(ValidationError) as refused:
        process_photo(upload(exactly + b"\0"))
    assert refused.value.messages == [TOO_BIG]


@pytest.mark.parametrize(
    ("width", "height"),
    [
        pytest.param(5_000, 5_001, id="just-over-25-megapixels"),
        pytest.param(8_000, 5_001, id="a-40-megapixel-photo"),
        pytest.param(10_000, 10_000, id="over-pillow-warning-limit"),
        pytest.param(20_000, 20_000, id="over-pillow-error-limit"),
    ],
)
def test_it_refuses_a_photo_of_more_than_25_megapixels(width, height):
    with pytest.raises(ValidationError) as refused:
        process_photo(upload(png_declaring(width, height), "bomb.png", "image/png"))

    assert refused.value.messages == [
        "The photo's dimensions are too large (at most 25 megapixels)."
    ]


def test_it_keeps_the_grey_of_a_16_bit_greyscale_png():
    grey = Image.new("I;16", (100, 100), 30_000)  # 30000 / 65535 is about 117 / 255
    assert Image.open(BytesIO(encode(grey, "PNG"))).mode == "I;16"

    processed = process_photo(upload(encode(grey, "PNG"), "scan.png", "image/png"))

    pixel = Image.open(BytesIO(processed.full.read())).getpixel((200, 200))
    assert close_to(pixel, (117, 117, 117), tolerance=3), pixel


def test_it_keeps_the_colours_of_a_cmyk_jpeg():
    cmyk = Image.new("CMYK", (100, 100), (0, 255, 255, 0))  # red in print colours

    processed = process_photo(upload(encode(cmyk, "JPEG")))

    pixel = Image.open(BytesIO(processed.full.read())).getpixel((200, 200))
    assert close_to(pixel, RED), pixel


# --- The request's size, from its header, before the body is read ------------------------------


def test_an_upload_larger_than_the_site_accepts_is_refused_with_a_page_saying_so(
    client, mentee, settings
):
    settings.MAX_UPLOAD_BYTES = 100_000
    big = jpeg(size=(900, 900), quality=100) + b"\0" * 100_000

    response = post_photo(client, mentee, big)

    assert response.status_code == 413
    assert "larger than 97.7\xa0KB, the most this site accepts" in response.text
    assert "A profile photo may be up to 5 MB and 25 megapixels." in response.text
    assert media_files() == []
    assert not Profile.objects.get(pk=mentee.pk).photo


class _Unreadable:
    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def test_the_size_is_read_from_the_header_and_the_body_is_never_read(rf, settings):
    from members.middleware import upload_limit

    settings.MAX_UPLOAD_BYTES = 6 * 1024 * 1024
    request = rf.post("/profile/", data=b"", content_type="multipart/form-data; boundary=x")
    request.META["CONTENT_LENGTH"] = str(3 * 1024**3)
    request.META["wsgi.input"] = _Unreadable()
    request._stream = _Unreadable()

    response = upload_limit(lambda request: pytest.fail("the view was reached"))(request)

    assert response.status_code == 413
    assert "larger than 6.0\xa0MB".encode() in response.content


def test_the_profile_form_says_how_large_a_photo_may_be(client, mentee):
    client.force_login(mentee)

    page = client.get(reverse("members:profile_edit")).text

    assert "up to 5 MB and 25 megapixels" in page
