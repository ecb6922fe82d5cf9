"""The test-only OpenID Connect provider (tests/oidc_provider), for the single sign-on tests."""

from tests.oidc_provider.fixtures import oidc_provider, sso  # noqa: F401
