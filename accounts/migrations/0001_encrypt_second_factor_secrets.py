"""The secrets of the second factor stored in clear before accounts.login.MFAAdapter encrypted them."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import InvalidToken
from django.db import migrations


def _encrypted(value: str) -> str:
    from accounts.login import cipher

    try:
        cipher().decrypt(value.encode())
    except InvalidToken:
        return cipher().encrypt(value.encode()).decode()
    return value  # already encrypted with one of the keys


def encrypt_secrets(apps: Any, schema_editor: Any) -> None:
    authenticator_model = apps.get_model("mfa", "Authenticator")
    for authenticator in authenticator_model.objects.filter(type__in=("totp", "recovery_codes")):
        data = dict(authenticator.data or {})
        for field in ("secret", "seed"):
            if isinstance(data.get(field), str):
                data[field] = _encrypted(data[field])
        if isinstance(data.get("migrated_codes"), list):
            data["migrated_codes"] = [_encrypted(code) for code in data["migrated_codes"]]
        if data != authenticator.data:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [("mfa", "0003_authenticator_type_uniq")]

    operations = [migrations.RunPython(encrypt_secrets, migrations.RunPython.noop, elidable=False)]
