"""What riec-plan keeps about an account besides Django's User."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from core.models import loaded_str


class AccountState(models.Model):
    """Set by the accounts desk of the bureau; every account without a row has the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="account_state"
    )
    # A one-time password from the bureau: the first thing after logging in is choosing one's own.
    must_change_password = models.BooleanField("moet wachtwoord wijzigen", default=False)
    # The bureau allows the next single sign-on with the account's e-mail address to link the identity
    # to the account (until then an identity is never linked on its e-mail address alone).
    sso_link_allowed_until = models.DateTimeField("koppeling single sign-on toegestaan tot", null=True, blank=True)

    class Meta:
        verbose_name = "accountstatus"
        verbose_name_plural = "accountstatussen"

    def __str__(self) -> str:
        return f"Status van {loaded_str(self, 'user')}"

    @classmethod
    def of(cls, user: Any) -> AccountState:
        state, _created = cls.objects.get_or_create(user=user)
        return state
