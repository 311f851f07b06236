"""Create one demo account per role, with fresh random passwords printed once.

The demo accounts log in without a second factor, and only while DJANGO_DEBUG is on (the permission
audit.demo_without_second_factor, read by accounts.login); every page then says so.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.roles import BUREAU, COORDINATOR, STEERING_GROUP
from districts.models import District


class Command(BaseCommand):
    help = "Maakt demo-accounts voor elke rol (alleen voor ontwikkeling) en toont de wachtwoorden."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="Ook uitvoeren als DEBUG uit staat.")

    @transaction.atomic
    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("Demo-accounts zijn alleen voor ontwikkeling (DJANGO_DEBUG=true), of gebruik --force.")
        districts = list(District.objects.order_by("order"))
        if not districts:
            raise CommandError("Er zijn nog geen districten: laad eerst het jaarplan (loaddata jaarplan_2024).")
        accounts: list[tuple[str, str, str, list[District]]] = [
            ("bureau", "RIEC-bureau", BUREAU, []),
            ("stuurgroep", "Stuurgroep", STEERING_GROUP, []),
        ]
        accounts += [(f"coordinator-{d.slug}", f"Coördinator {d.name}", COORDINATOR, [d]) for d in districts]

        user_model = get_user_model()
        without_second_factor = Permission.objects.get(
            content_type__app_label="audit", codename="demo_without_second_factor"
        )
        rows = []
        for username, name, role, own_districts in accounts:
            password = secrets.token_urlsafe(9)
            user, _ = user_model.objects.get_or_create(username=username)
            user.first_name = name
            user.is_staff = True
            user.is_active = True
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            user.coordinated_districts.set(own_districts)
            user.user_permissions.add(without_second_factor)
            rows.append((username, password, role + (f" ({own_districts[0]})" if own_districts else "")))

        width = max(len(r[0]) for r in rows)
        self.stdout.write(self.style.SUCCESS("Demo-accounts (wachtwoorden zijn bij elke start nieuw):"))
        for username, password, role in rows:
            self.stdout.write(f"  {username.ljust(width)}  {password}  {role}")
        self.stdout.write(
            self.style.WARNING(
                "Deze demo-accounts loggen in zonder tweede factor, en alleen zolang DJANGO_DEBUG aan staat."
            )
        )
        self.stdout.write("Open http://127.0.0.1:8000/ en log in; beheer staat op /admin/.")
