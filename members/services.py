"""Write flows for members: creating a member with a profile, editing it, changing the photo."""

from django.db import transaction

from members.models import Profile, User
from members.photos import ProcessedPhoto


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

    Old photo files are deleted only after the commit, so a failed save never loses a photo.
    """
    old_files = [profile.photo.name, profile.photo_thumb.name] if profile.photo else []
    for name, value in fields.items():
        setattr(profile, name, value)
    if photo is not None:
        profile.photo.save(photo.full.name, photo.full, save=False)
        profile.photo_thumb.save(photo.thumb.name, photo.thumb, save=False)
    elif remove_photo:
        profile.photo = ""
        profile.photo_thumb = ""
    else:
        old_files = []
    profile.full_clean()
    profile.save()
    if old_files:
        storage = Profile._meta.get_field("photo").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in old_files if name])
    return profile
