"""Steps every browser walk shares."""

from conftest import PASSWORD


def sign_in(page, email, password=PASSWORD):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
