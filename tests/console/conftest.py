"""Staff-console fixtures: a signed-in staff member per role (the groups the migration
created), and the jobs fixtures (a disputed job and its market)."""

from importlib import import_module

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from tests.chain.conftest import chain  # noqa: F401  (fixture)
from tests.jobs.conftest import (  # noqa: F401  (fixtures)
    assigned,
    bid,
    completed,
    disputed,
    in_progress,
    job,
    market,
    settled,
)


def ensure_roles() -> None:
    """The groups the migration created; a transactional test's flush empties them, so
    a later test re-runs that migration's step on the live app registry."""
    if not Group.objects.filter(name="operator").exists():
        from django.apps import apps

        import_module("marketplace.core.migrations.0003_staff_roles").create_roles(apps, None)


def staff_member(username: str, role: str | None, password: str = "pw"):
    from django.contrib.auth import get_user_model

    ensure_roles()
    user = get_user_model().objects.create_user(username, password=password, is_staff=True)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def console():
    """`console("operator")` → a test client signed in as a new staff member in that
    role (the username is the role, unless `as_=` names another)."""

    def sign_in(role: str | None, as_: str | None = None) -> Client:
        client = Client()
        client.force_login(staff_member(as_ or role or "nobody", role))
        return client

    return sign_in
