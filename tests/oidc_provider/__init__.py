"""A small OpenID Connect provider for the tests only: django-oauth-toolkit in its own process.

It stands for an association's login. Users and their claims come from a JSON file read afresh
on every token or user-info request, so a test can lapse a member between two sign-ins. Never
deploy it: its key is made at start, its users sign in with a fixed password, and it trusts the
one redirect URI it is started with.
"""
