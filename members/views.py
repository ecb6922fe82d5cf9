import hashlib
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from members import extensions
from members.forms import ProfileForm
from members.models import Profile
from members.photos import STORAGE_ERRORS
from members.services import PhotoStorageError, ensure_profile, update_profile
from members.text import search_text

DIRECTORY_PAGE_SIZE = 24
DIRECTORY_COUNT_SECONDS = 60

logger = logging.getLogger(__name__)


@login_required
def profile_detail(request, member_id):
    profile = get_object_or_404(Profile.objects.listed().select_related("user"), user_id=member_id)
    return render(
        request,
        "members/profile_detail.html",
        {
            "profile": profile,
            "is_own": profile.user_id == request.user.pk,
            "show_contact": profile.contact_visible_to(request.user),
            "ribbons": extensions.ribbons_for([profile.user_id]).get(profile.user_id, []),
            "sections": extensions.profile_sections(request, profile),
        },
    )


@login_required
def profile_edit(request):
    profile = ensure_profile(request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=profile)
        if form.is_valid():
            try:
                update_profile(
                    profile,
                    fields=form.profile_fields(),
                    photo=form.processed_photo,
                    remove_photo=form.cleaned_data["remove_photo"],
                )
            except PhotoStorageError as error:
                # The form keeps what the member typed; only the file must be chosen again.
                form.add_error("photo_upload", str(error))
            else:
                messages.success(request, "Your profile has been saved.")
                next_url = request.POST.get("next") or request.GET.get("next")
                if next_url and url_has_allowed_host_and_scheme(
                    next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
                ):
                    return redirect(next_url)
                return redirect(profile)
        # ModelForm validation (or a refused save) wrote the posted values onto the instance;
        # reload the saved ones so the page header still shows what is stored.
        profile.refresh_from_db()
    else:
        form = ProfileForm(instance=profile)
    return render(request, "members/profile_edit.html", {"form": form, "profile": profile})


class _DirectoryPaginator(Paginator):
    """A page is always a full page of members, even when the kept count is behind the list
    (Django's Paginator cuts the last page at the count)."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)


def _directory_count(query: str, profiles) -> int:
    """How many members the directory lists for `query`, remembered for a minute by this process:
    counting 100,000 members takes 30 to 60 ms, a page of them in name order 1 ms, and a count a
    minute old on a list that grows by sign-ups misleads no one."""
    key = f"directory-count:{hashlib.sha256(query.encode()).hexdigest()}"
    count = caches["local"].get(key)
    if count is None:
        count = profiles.count()
        caches["local"].set(key, count, DIRECTORY_COUNT_SECONDS)
    return count


@login_required
@require_GET
def directory(request):
    # PostgreSQL refuses NUL characters in text parameters: drop them rather than fail with a 500.
    query = search_text(request.GET.get("q", ""))
    profiles = Profile.objects.listed().select_related("user").order_by("last_name", "first_name")
    for word in query.split()[:5]:
        profiles = profiles.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(organization__icontains=word)
            | Q(job_title__icontains=word)
        )
    paginator = _DirectoryPaginator(profiles, DIRECTORY_PAGE_SIZE)
    paginator.count = _directory_count(query, profiles)  # replaces the cached_property's count()
    page = paginator.get_page(request.GET.get("page"))
    ribbons = extensions.ribbons_for(profile.user_id for profile in page)
    for profile in page:
        profile.ribbons = ribbons.get(profile.user_id, [])
    return render(request, "members/directory.html", {"page": page, "query": query})


@login_required
@require_GET
def photo(request, member_id, size):
    """Photos are served to signed-in members only, like the profiles they belong to."""
    if size not in ("full", "thumb"):
        raise Http404("No such photo size")
    profile = get_object_or_404(Profile.objects.listed(), user_id=member_id)
    field = profile.photo if size == "full" else profile.photo_thumb
    if not field:
        raise Http404("No photo")
    # Streamed from the storage (the disk, or a private S3 bucket) rather than redirected to a
    # presigned S3 address, which anyone holding it could open until it expires.
    try:
        response = FileResponse(field.open("rb"), content_type="image/jpeg")
    except FileNotFoundError:
        raise Http404("No photo") from None
    except STORAGE_ERRORS:
        logger.warning("Could not read the photo %s", field.name, exc_info=True)
        response = HttpResponse(
            "The photo cannot be shown just now.", content_type="text/plain", status=503
        )
        response["Retry-After"] = "60"
        return response
    response["Cache-Control"] = "private, max-age=3600"
    return response
