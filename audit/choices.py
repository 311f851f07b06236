"""What the audit log records: the actions and their results (no models here, so any module may import it)."""

from __future__ import annotations

from django.db import models


class Action(models.TextChoices):
    LOGIN = "login", "Ingelogd"
    LOGIN_FAILED = "login_failed", "Inloggen mislukt"
    LOCKOUT = "lockout", "Tijdelijk geblokkeerd"
    LOGOUT = "logout", "Uitgelogd"
    MFA_ADDED = "mfa_added", "Tweede factor ingesteld"
    MFA_REMOVED = "mfa_removed", "Tweede factor verwijderd"
    MFA_RESET = "mfa_reset", "Herstelcodes vernieuwd"
    PERMISSION_DENIED = "permission_denied", "Toegang geweigerd"
    IMPORT = "import", "Import"
    EXPORT = "export", "Export"
    PDF_DOWNLOAD = "pdf_download", "PDF gedownload"
    PLAN_ADOPTED = "plan_adopted", "Jaarplan vastgesteld"
    PLAN_REOPENED = "plan_reopened", "Jaarplan heropend"
    QUARTER_CLOSED = "quarter_closed", "Kwartaal afgesloten"
    QUARTER_REOPENED = "quarter_reopened", "Kwartaal heropend"
    ROLE_CHANGED = "role_changed", "Rol of rechten gewijzigd"
    ACCOUNT_CREATED = "account_created", "Account aangemaakt"
    ACCOUNT_DELETED = "account_deleted", "Account verwijderd"
    PASSWORD_SET = "password_set", "Eenmalig wachtwoord gezet"
    SSO_LINKED = "sso_linked", "Single sign-on gekoppeld"
    SSO_UNLINKED = "sso_unlinked", "Single sign-on ontkoppeld"


class Result(models.TextChoices):
    SUCCESS = "success", "gelukt"
    FAILURE = "failure", "mislukt"
    REFUSED = "refused", "geweigerd"


# What the rights review lists as changes of an account's rights.
RIGHTS_ACTIONS = (
    Action.ROLE_CHANGED,
    Action.ACCOUNT_CREATED,
    Action.ACCOUNT_DELETED,
    Action.PASSWORD_SET,
    Action.SSO_LINKED,
    Action.SSO_UNLINKED,
    Action.MFA_REMOVED,
)
