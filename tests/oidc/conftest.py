"""Registers the session-scoped ``oidc_provider`` fixture for the tests in this directory.

Other test directories get it the same way: ``from tests.oidc.fixture import oidc_provider  # noqa: F401``
in their ``conftest.py``; or they call ``start_oidc_provider(...)`` themselves for a client of their own.
"""

from tests.oidc.fixture import oidc_provider

__all__ = ["oidc_provider"]
