"""Write flows for members: creating a member with a profile, editing it, changing the photo."""

import logging

from django.db import transaction

from members.models import Profile, User
from members.photos import STORAGE_ERRORS, ProcessedPhoto

logger = logging.getLogger(__name__)


class PhotoStorageError(Exception):
    """The photo storage (disk or S3 server) failed: nothing was changed."""


def ensure_profile(user: User) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def update_profile(
    profile: Profile,
    *,
    fields: dict,
    photo: ProcessedPhoto | None = None,
    remove_photo: bool = False,
) -> Profile:
    """Save the edited fields; store a new photo or remove the old one.

    Old photo files are deleted only after the commit, so a failed save never loses a photo. If
    the new photo cannot be stored, PhotoStorageError is raised and nothing is saved.
    """
    old_files = [profile.photo.name, profile.photo_thumb.name] if profile.photo else []
    for name, value in fields.items():
        setattr(profile, name, value)
    if photo is not None:
        _store_photo(profile, photo)
    elif remove_photo:
        profile.photo = ""
        profile.photo_thumb = ""
    else:
        old_files = []
    profile.full_clean()
    profile.save()
    if old_files:
        transaction.on_commit(lambda: _delete_files(old_files))
    return profile


def _store_photo(profile: Profile, photo: ProcessedPhoto) -> None:
    stored = []
    try:
        for field, content in ((profile.photo, photo.full), (profile.photo_thumb, photo.thumb)):
            field.save(content.name, content, save=False)
            stored.append(field.name)
    except STORAGE_ERRORS as error:
        logger.warning("Could not store the photo of member %s", profile.user_id, exc_info=True)
        _delete_files(stored)
        raise PhotoStorageError(
            "Your photo could not be stored just now, so nothing was saved. "
            "Please try again in a few minutes."
        ) from error


def _delete_files(names: list[str]) -> None:
    """Best effort: after the commit the profile no longer names these files, so a storage that
    fails now leaves stray files behind (logged), never a page that fails."""
    storage = Profile._meta.get_field("photo").storage
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)
        except STORAGE_ERRORS:
            logger.warning("Could not delete the photo file %s", name, exc_info=True)
