"""The admin's page of second factors shows what an authenticator is, never its secret."""

from __future__ import annotations

from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin

admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(AllauthAuthenticatorAdmin):
    """allauth's list, without the data field (the encrypted secret, recovery codes, public keys).

    Nothing is added or edited here: a second factor is set up by its own user and reset by the
    bureau on the accounts desk (with a reason in the audit log).
    """

    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
