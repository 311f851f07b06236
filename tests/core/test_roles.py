"""The role groups are part of the database's set-up: `migrate` makes them, and so does `flush`."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from core.roles import ROLES


@pytest.mark.django_db
def test_migrate_made_the_role_groups_without_model_permissions() -> None:
    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(ROLES)
    assert not Group.objects.filter(permissions__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_a_flushed_database_has_its_role_groups_again() -> None:
    Group.objects.all().delete()

    call_command("flush", interactive=False, verbosity=0)

    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(ROLES)
