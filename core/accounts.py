"""Accounts for the benchmark commands: a second factor, as every account that logs in needs.

The benchmarks log their users in with `Client.force_login`; such a login counts as proven by a second
factor only for an account that has one (riec_plan.accounts), so each gets an authenticator app.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from allauth.mfa.totp.internal.auth import TOTP


def give_second_factor(user: Any) -> Any:
    """An authenticator app (TOTP) with a random secret nobody knows: the account is a benchmark's only."""
    TOTP.activate(user, base64.b32encode(secrets.token_bytes(20)).decode())
    return user
