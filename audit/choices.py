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


class Result(models.TextChoices):
    SUCCESS = "success", "gelukt"
    FAILURE = "failure", "mislukt"
    REFUSED = "refused", "geweigerd"
