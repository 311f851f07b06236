"""The accounts desk of the RIEC-bureau (/accounts/): coordinator and stuurgroep accounts.

The bureau makes an account with its role and district(s) and e-mail address, gives it a one-time
password that must be changed at the first login, resets a lost second factor (with a reason, in the
audit log), allows single sign-on to be linked, and deactivates or reactivates it. No superuser rights
or Django permissions here: those stay with a superuser in the admin (core.permissions.can_manage_account).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core import permissions
from core.permissions import DESK_ROLES
from core.roles import BUREAU, COORDINATOR
from districts.models import District

from . import services
from .models import AccountState
from .rights import second_factor_of

ROLE_CHOICES = [(role, role) for role in DESK_ROLES]


class AccountForm(forms.Form):
    first_name = forms.CharField(label="Voornaam", max_length=150, required=False)
    last_name = forms.CharField(label="Achternaam", max_length=150, required=False)
    email = forms.EmailField(
        label="E-mailadres",
        required=False,
        help_text="Voor de herinneringen aan de voortgang, en om single sign-on te koppelen.",
    )
    role = forms.ChoiceField(label="Rol", choices=ROLE_CHOICES, widget=forms.RadioSelect)
    districts = forms.ModelMultipleChoiceField(
        label="District(en)",
        queryset=District.objects.order_by("order"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Alleen voor een districtscoördinator: de districten die dit account bijhoudt.",
    )

    def __init__(self, *args: Any, account: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if email:
            others = get_user_model()._default_manager.filter(email__iexact=email)
            if self.account is not None:
                others = others.exclude(pk=self.account.pk)
            if others.exists():
                raise forms.ValidationError("Een ander account heeft dit e-mailadres al.")
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role, districts = data.get("role"), data.get("districts")
        if role == COORDINATOR and not districts:
            self.add_error("districts", "Kies het district (of de districten) van deze coördinator.")
        if role and role != COORDINATOR and districts:
            self.add_error("districts", "Alleen een districtscoördinator heeft een district.")
        return data


class NewAccountForm(AccountForm):
    username = forms.CharField(
        label="Gebruikersnaam",
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="Letters, cijfers en @ . + - _ ; bijvoorbeeld coordinator-twente-2.",
    )
    field_order = ["username", "first_name", "last_name", "email", "role", "districts"]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if get_user_model()._default_manager.filter(username__iexact=username).exists():
            raise forms.ValidationError("Er is al een account met deze gebruikersnaam.")
        return username


class ResetSecondFactorForm(forms.Form):
    reason = forms.CharField(
        label="Reden",
        min_length=5,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Komt in het auditlog, bijvoorbeeld ‘telefoon kwijt, gebeld op 5-12’.",
    )


def _desk_only(request: HttpRequest) -> None:
    if not permissions.can_manage_accounts(request.user):
        raise PermissionDenied("Alleen het RIEC-bureau beheert accounts.")


def _managed(request: HttpRequest, pk: int) -> Any:
    _desk_only(request)
    account = get_object_or_404(get_user_model()._default_manager, pk=pk)
    if not permissions.can_manage_account(request.user, account):
        raise PermissionDenied("Dit account beheert een beheerder in het beheer, niet het accountsloket.")
    return account


def desk_accounts() -> Any:
    """The accounts of the desk: no superusers, no bureau accounts (two queries with the prefetch)."""
    return (
        get_user_model()
        ._default_manager.filter(is_superuser=False, user_permissions__isnull=True)
        .exclude(groups__name=BUREAU)
        .filter(Q(groups__name__in=DESK_ROLES) | Q(groups__isnull=True))
        .distinct()
        .order_by("username")
        .prefetch_related("groups", "coordinated_districts", "authenticator_set", "socialaccount_set")
    )


@require_http_methods(["GET"])
def desk(request: HttpRequest) -> HttpResponse:
    _desk_only(request)
    rows = [
        {
            "user": user,
            "role": services.role_of(user) or "geen",
            "districts": ", ".join(district.name for district in user.coordinated_districts.all()),
            "second_factor": ", ".join(second_factor_of(user)) or "nog niet ingesteld",
        }
        for user in desk_accounts()
    ]
    return render(request, "accounts/desk.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def new_account(request: HttpRequest) -> HttpResponse:
    _desk_only(request)
    form = NewAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user, password = services.create_account(
            request,
            username=data["username"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            role=data["role"],
            districts=data["districts"],
        )
        return _show_password(request, user, password, made=True)
    return render(request, "accounts/account_form.html", {"form": form, "account": None})


def _show_password(request: HttpRequest, user: Any, password: str, *, made: bool) -> HttpResponse:
    """The one-time password, once, in this answer (never stored in clear, never logged)."""
    return render(request, "accounts/one_time_password.html", {"account": user, "password": password, "made": made})


@require_http_methods(["GET", "POST"])
def account(request: HttpRequest, pk: int) -> HttpResponse:
    user = _managed(request, pk)
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": services.role_of(user),
        "districts": list(user.coordinated_districts.all()),
    }
    form = AccountForm(request.POST or None, initial=initial, account=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user.first_name, user.last_name, user.email = data["first_name"], data["last_name"], data["email"]
        user.save(update_fields=["first_name", "last_name", "email"])
        services.set_role(user, data["role"], data["districts"])
        messages.success(request, f"Account {user.username} opgeslagen.")
        return redirect("accounts_desk_account", pk=user.pk)
    state = AccountState.objects.filter(user=user).first()
    context = {
        "form": form,
        "account": user,
        "state": state,
        "second_factor": ", ".join(second_factor_of(user)) or "nog niet ingesteld",
        "reset_form": ResetSecondFactorForm(),
        "sso_configured": bool(settings.SOCIALACCOUNT_PROVIDERS),
    }
    return render(request, "accounts/account_form.html", context)


@require_POST
def reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    user = _managed(request, pk)
    return _show_password(request, user, services.reset_password(request, user), made=False)


@require_POST
def reset_second_factor(request: HttpRequest, pk: int) -> HttpResponse:
    user = _managed(request, pk)
    form = ResetSecondFactorForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Geef een reden (minstens 5 tekens) om de tweede factor terug te zetten.")
        return redirect("accounts_desk_account", pk=user.pk)
    services.reset_second_factor(request, user, form.cleaned_data["reason"])
    messages.success(
        request,
        f"De tweede factor van {user.username} is teruggezet; bij de volgende login stelt het account een nieuwe in.",
    )
    return redirect("accounts_desk_account", pk=user.pk)


@require_POST
def set_active(request: HttpRequest, pk: int) -> HttpResponse:
    user = _managed(request, pk)
    active = request.POST.get("active") == "1"
    services.set_active(user, active)
    messages.success(request, f"Account {user.username} is {'weer actief' if active else 'gedeactiveerd'}.")
    return redirect("accounts_desk_account", pk=user.pk)


@require_POST
def allow_sso_link(request: HttpRequest, pk: int) -> HttpResponse:
    user = _managed(request, pk)
    if not user.email:
        messages.error(request, "Vul eerst het e-mailadres in: daarop wordt de inlogdienst gekoppeld.")
        return redirect("accounts_desk_account", pk=user.pk)
    until = services.allow_sso_link(request, user)
    messages.success(
        request,
        f"De eerstvolgende single sign-on met {user.email} koppelt het account "
        f"(tot {timezone.localtime(until):%d-%m-%Y %H:%M}).",
    )
    return redirect("accounts_desk_account", pk=user.pk)
