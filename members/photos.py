"""Profile photos: check an upload thoroughly, then re-encode it as a clean square JPEG.

Re-encoding drops EXIF (location, camera) and anything hidden in the original file.
"""

import secrets
import warnings
from dataclasses import dataclass
from io import BytesIO

from botocore.exceptions import BotoCoreError, ClientError
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
# A photo larger than 25 megapixels is refused before its pixels are decoded: it is either a
# decompression bomb or far more than a 400 px avatar needs (a 40 MP 16-bit PNG took seconds and
# about 400 MB to decode). 25 MP still takes any phone camera's photo.
MAX_PIXELS = 25_000_000
# Pillow reports many camera and phone JPEGs (with a preview or gain map inside) as "MPO".
ALLOWED_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
FULL_SIZE = 400
THUMB_SIZE = 96
# What the photo storage raises when it fails: a full or unwritable disk (OSError), or an S3
# server that is down, slow or refusing (botocore's errors; STORAGE_URL=s3://...).
STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)


@dataclass
class ProcessedPhoto:
    full: ContentFile
    thumb: ContentFile


def _refuse(message):
    raise ValidationError(message, code="invalid_photo")


def process_photo(upload) -> ProcessedPhoto:
    """Validate an uploaded file and return the 400 px square and the thumbnail, both JPEG."""
    if upload.size > MAX_BYTES:
        _refuse("The photo is larger than 5 MB. Please choose a smaller file.")
    data = upload.read()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(BytesIO(data))
            if probe.format not in ALLOWED_FORMATS:
                _refuse("Please upload a JPEG, PNG or WebP photo.")
            width, height = probe.size
            if width * height > MAX_PIXELS:
                _refuse("The photo's dimensions are too large (at most 25 megapixels).")
            probe.verify()
            # verify() leaves the image unusable; open it again to decode the pixels.
            image = Image.open(BytesIO(data))
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        _refuse("The photo's dimensions are too large (at most 25 megapixels).")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        _refuse("This file is not a photo we can read. Please upload a JPEG, PNG or WebP image.")

    image = ImageOps.exif_transpose(image)
    if image.mode.startswith("I"):
        # 16-bit greyscale PNG: scale to 8 bits, or converting to RGB clips every grey to white.
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    if image.mode not in ("RGB", "L"):
        # Flatten transparency onto white so PNG/WebP logos do not turn black.
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    image = image.convert("RGB")
    square = ImageOps.fit(image, (FULL_SIZE, FULL_SIZE), Image.Resampling.LANCZOS)
    thumb = square.resize((THUMB_SIZE, THUMB_SIZE), Image.Resampling.LANCZOS)
    stem = secrets.token_hex(8)
    return ProcessedPhoto(
        full=ContentFile(_jpeg_bytes(square), name=f"{stem}.jpg"),
        thumb=ContentFile(_jpeg_bytes(thumb), name=f"{stem}-thumb.jpg"),
    )


def _jpeg_bytes(image) -> bytes:
    out = BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue()
