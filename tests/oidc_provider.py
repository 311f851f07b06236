"""A small but real OpenID Connect provider on 127.0.0.1 for the single sign-on tests.

The authorization code flow with PKCE (S256), client authentication by secret (basic or post), an
ID token signed with RS256 and published as a JWKS, a userinfo endpoint and the discovery document.
Its login page asks for an e-mail address (the known people are in `people`) and has no password:
the tests are about what riec-plan does with what the provider says, not about the provider.
Standard library plus PyJWT and cryptography, which django-allauth brings along.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "riec-plan-test"
CLIENT_SECRET = "test-client-secret-0123456789"


@dataclass
class Provider:
    issuer: str = ""
    # e-mail address -> claims the provider tells about that person (email_verified, name, groups...)
    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    key: Any = field(default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def add_person(self, email: str, **claims: Any) -> None:
        self.people[email] = {"email": email, "email_verified": True, **claims}

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": "test", "use": "sig", "alg": "RS256"}]}

    def claims_of(self, email: str) -> dict[str, Any]:
        person = self.people.get(email, {"email": email, "email_verified": True})
        return {"sub": "sub-" + hashlib.sha256(email.encode()).hexdigest()[:16], **person}

    def id_token(self, claims: dict[str, Any], nonce: str | None) -> str:
        now = int(time.time())
        payload = {**claims, "iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300}
        if nonce:
            payload["nonce"] = nonce
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": "test"})


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


LOGIN_PAGE = """<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Test-IdP</title></head>
<body><h1>Test-identiteitsprovider</h1>
<form method="post" action="/authorize">
{hidden}
<p><label for="email">E-mailadres</label> <input id="email" name="email" type="email"></p>
<p><button type="submit">Aanmelden bij de test-IdP</button></p>
</form></body></html>"""


class _Handler(BaseHTTPRequestHandler):
    provider: Provider

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data: Any, status: int = 200) -> None:
        self._send(status, json.dumps(data).encode(), "application/json")

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        return {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/.well-known/openid-configuration":
            self._json(self.provider.discovery())
        elif url.path == "/jwks":
            self._json(self.provider.jwks())
        elif url.path == "/authorize":
            if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
                self._send(400, b"unknown client", "text/plain")
                return
            hidden = "\n".join(
                f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in query.items()
            )
            self._send(200, LOGIN_PAGE.format(hidden=hidden).encode(), "text/html; charset=utf-8")
        elif url.path == "/userinfo":
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            grant = self.provider.tokens.get(token)
            if grant is None:
                self._json({"error": "invalid_token"}, 401)
                return
            self._json(grant["claims"])
        else:
            self._send(404, b"not found", "text/plain")

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        form = self._form()
        if url.path == "/authorize":
            # The person "logs in" at the provider and is sent back with a code.
            code = secrets.token_urlsafe(16)
            self.provider.codes[code] = {
                "claims": self.provider.claims_of(form.get("email", "")),
                "redirect_uri": form.get("redirect_uri"),
                "code_challenge": form.get("code_challenge"),
                "nonce": form.get("nonce"),
            }
            back = {"code": code, **({"state": form["state"]} if "state" in form else {})}
            self._send(302, b"", "text/plain", {"Location": f"{form.get('redirect_uri')}?{urlencode(back)}"})
        elif url.path == "/token":
            self.provider.token_requests.append(form)
            client_id, secret = form.get("client_id"), form.get("client_secret")
            basic = self.headers.get("Authorization", "")
            if basic.startswith("Basic "):
                client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            if client_id != CLIENT_ID or secret != CLIENT_SECRET:
                self._json({"error": "invalid_client"}, 401)
                return
            grant = self.provider.codes.pop(form.get("code", ""), None)
            if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
                self._json({"error": "invalid_grant"}, 400)
                return
            if grant["code_challenge"] and _s256(form.get("code_verifier", "")) != grant["code_challenge"]:
                self._json({"error": "invalid_grant", "error_description": "PKCE"}, 400)
                return
            access_token = secrets.token_urlsafe(24)
            self.provider.tokens[access_token] = grant
            self._json(
                {
                    "access_token": access_token,
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": self.provider.id_token(grant["claims"], grant["nonce"]),
                }
            )
        else:
            self._send(404, b"not found", "text/plain")


@contextmanager
def running_provider() -> Iterator[Provider]:
    """The provider, listening on a free port of 127.0.0.1 until the block ends."""
    provider = Provider()
    handler = type("Handler", (_Handler,), {"provider": provider})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    provider.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()


def sso_settings(provider: Provider) -> dict[str, Any]:
    """SOCIALACCOUNT_PROVIDERS as riec_plan/settings/base.py builds it from the OIDC_* variables."""
    return {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "sso",
                    "name": "Test-IdP",
                    "client_id": CLIENT_ID,
                    "secret": CLIENT_SECRET,
                    "settings": {"server_url": provider.issuer},
                }
            ],
        }
    }
