"""Response headers the whole site sends."""

from django.conf import settings


def permissions_policy(get_response):
    """Permissions-Policy on every response (Django's SecurityMiddleware has no setting for it)."""
    policy = settings.PERMISSIONS_POLICY

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", policy)
        return response

    return middleware
