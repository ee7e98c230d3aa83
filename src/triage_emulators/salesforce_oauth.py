"""The Salesforce emulator's OAuth 2.0 token endpoint, POST /services/oauth2/token.

It answers the grants triage-tui sends, as Salesforce documents them and as
simple-salesforce and the Salesforce CLI (sfdx-core's deviceOauthService) send
them, and refuses what Salesforce refuses:

- JWT bearer (grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer, `assertion`):
  the RS256 signature is checked against the certificate's public key registered
  for the connected app named by `iss`; `aud` must be https://login.salesforce.com
  or https://test.salesforce.com (Salesforce's "OAuth 2.0 JWT Bearer Flow for
  Server-to-Server Integration"); `exp` must be in the future; `sub` must be a user
  the app is pre-authorized for. Errors are Salesforce's: invalid_client_id "client
  identifier invalid", invalid_grant "invalid assertion" / "audience is invalid" /
  "expired authorization code" / "user hasn't approved this consumer". No refresh
  token is issued (the flow never returns one).
- Client credentials (grant_type=client_credentials, the consumer key and secret in
  HTTP Basic or the form): only on a My Domain host; login.salesforce.com and
  test.salesforce.com answer unsupported_grant_type "request not supported on this
  domain". A wrong secret is invalid_client "invalid client credentials"; an app
  with no run-as user is invalid_grant "no client credentials user enabled".
- Device flow ("OAuth 2.0 Device Flow for IoT Integration"): response_type=device_code
  with client_id and scope returns device_code, user_code, verification_uri and
  interval; grant_type=device with `code` answers 400 authorization_pending until a
  person approves the user code (`approve_device`, what the browser page would do),
  slow_down when polled faster than the interval, then the access token, and a
  refresh token when the scope asked for one.
- Refresh token (grant_type=refresh_token): a known, unrevoked token gives a new
  access token; else invalid_grant "expired access/refresh token".

Token responses carry no Sforce-Limit-Info: signing in is not an API request.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
#: The audiences Salesforce documents for the JWT bearer flow (production, sandbox).
JWT_AUDIENCES = frozenset({"https://login.salesforce.com", "https://test.salesforce.com"})
#: Hosts that are not a My Domain: the client credentials flow is refused there.
LOGIN_HOSTS = frozenset({"login.salesforce.com", "test.salesforce.com"})


@dataclass
class ConnectedApp:
    """A connected app (or external client app) as an admin set it up."""

    consumer_key: str
    consumer_secret: str = ""
    certificate: str = ""
    """The PEM public key (or certificate) the JWT bearer flow's signatures are checked with."""
    run_as: str = ""
    """The client credentials flow's run-as user ("": the flow is not enabled)."""
    approved: set[str] = field(default_factory=set)
    """Users pre-authorized for the JWT bearer flow."""
    device_flow: bool = False


@dataclass
class DeviceGrant:
    consumer_key: str
    user_code: str
    scope: str
    expires: float
    username: str = ""
    denied: bool = False
    last_poll: float = 0.0


def _error(error: str, description: str) -> tuple[int, JSON]:
    return 400, {"error": error, "error_description": description}


class OAuthServer:
    """The token endpoint's state: apps, device grants, refresh tokens."""

    def __init__(
        self,
        *,
        instance_url: Callable[[], str],
        new_session: Callable[[], str],
        user_id: Callable[[str], str | None],
    ) -> None:
        self._instance_url = instance_url
        self._new_session = new_session
        self._user_id = user_id
        self.lock = threading.Lock()
        self.apps: dict[str, ConnectedApp] = {}
        self.devices: dict[str, DeviceGrant] = {}
        self.refresh_tokens: dict[str, tuple[str, str]] = {}
        """Refresh token -> (consumer key, username)."""
        self.grants: list[str] = []
        """Every grant asked for, in order ("device_code" for a device flow's start)."""
        self.audiences: set[str] = set(JWT_AUDIENCES)
        self.device_interval = 5
        self.device_lifetime = 600.0

    # -- what a test (or the admin, or the person at the browser) does -------------------

    def register_app(self, consumer_key: str, **settings: Any) -> ConnectedApp:
        app = ConnectedApp(consumer_key, **settings)
        with self.lock:
            self.apps[consumer_key] = app
        return app

    def approve_device(self, user_code: str, username: str) -> None:
        """The person entered the code at the verification page and allowed access."""
        with self.lock:
            grant = next(g for g in self.devices.values() if g.user_code == user_code)
            grant.username = username

    def deny_device(self, user_code: str) -> None:
        with self.lock:
            next(g for g in self.devices.values() if g.user_code == user_code).denied = True

    def revoke_refresh_tokens(self) -> None:
        """Every refresh token stops working (the app's policy expired them, or an admin)."""
        with self.lock:
            self.refresh_tokens.clear()

    # -- the endpoint -------------------------------------------------------------------

    def token(self, form: dict[str, str], authorization: str, host: str) -> tuple[int, JSON]:
        """(status, body) for one POST to /services/oauth2/token."""
        if form.get("response_type") == "device_code":
            self.grants.append("device_code")
            return self._device_start(form, host)
        grant = form.get("grant_type", "")
        self.grants.append(grant)
        if grant == JWT_BEARER:
            return self._jwt_bearer(form.get("assertion", ""))
        if grant == "client_credentials":
            return self._client_credentials(form, authorization, host)
        if grant == "device":
            return self._device_poll(form)
        if grant == "refresh_token":
            return self._refresh(form)
        return _error("unsupported_grant_type", "grant type not supported")

    def _granted(self, username: str, scope: str = "api", refresh_for: str = "") -> JSON:
        """A token response; with a refresh token when `refresh_for` names the app."""
        user_id = self._user_id(username) or "005000000000000AAA"
        body: JSON = {
            "access_token": self._new_session(),
            "scope": scope,
            "instance_url": self._instance_url(),
            "id": f"https://login.salesforce.com/id/00D000000000001EAA/{user_id}",
            "token_type": "Bearer",
            "issued_at": str(int(time.time() * 1000)),
            "signature": base64.b64encode(secrets.token_bytes(32)).decode(),
        }
        if refresh_for:
            token = f"5Aep{secrets.token_urlsafe(40)}"
            with self.lock:
                self.refresh_tokens[token] = (refresh_for, username)
            body["refresh_token"] = token
        return body

    def _jwt_bearer(self, assertion: str) -> tuple[int, JSON]:
        import jwt

        try:
            claims = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            return _error("invalid_grant", "invalid assertion")
        app = self.apps.get(str(claims.get("iss") or ""))
        if app is None:
            return _error("invalid_client_id", "client identifier invalid")
        try:
            # The signature only: simple-salesforce sends `exp` as a string of seconds,
            # which PyJWT's own claim checks would refuse and Salesforce accepts.
            jwt.PyJWS().decode(assertion, key=app.certificate, algorithms=["RS256"])
        except (jwt.PyJWTError, ValueError, TypeError):
            return _error("invalid_grant", "invalid assertion")
        if claims.get("aud") not in self.audiences:
            return _error("invalid_grant", "audience is invalid")
        try:
            expires = float(claims.get("exp"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return _error("invalid_grant", "invalid assertion")
        if expires <= time.time():
            return _error("invalid_grant", "expired authorization code")
        username = str(claims.get("sub") or "")
        if username not in app.approved or self._user_id(username) is None:
            return _error("invalid_grant", "user hasn't approved this consumer")
        return 200, self._granted(username)

    def _client_credentials(
        self, form: dict[str, str], authorization: str, host: str
    ) -> tuple[int, JSON]:
        if host.split(":", maxsplit=1)[0].lower() in LOGIN_HOSTS:
            return _error("unsupported_grant_type", "request not supported on this domain")
        key, secret = form.get("client_id", ""), form.get("client_secret", "")
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() == "basic":
            try:
                key, _, secret = base64.b64decode(encoded).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return _error("invalid_client", "invalid client credentials")
        app = self.apps.get(key)
        if app is None:
            return _error("invalid_client_id", "client identifier invalid")
        if not app.consumer_secret or not secrets.compare_digest(app.consumer_secret, secret):
            return _error("invalid_client", "invalid client credentials")
        if not app.run_as:
            return _error("invalid_grant", "no client credentials user enabled")
        return 200, self._granted(app.run_as)

    def _device_start(self, form: dict[str, str], host: str) -> tuple[int, JSON]:
        app = self.apps.get(form.get("client_id", ""))
        if app is None:
            return _error("invalid_client_id", "client identifier invalid")
        if not app.device_flow:
            # Salesforce documents no wording for this; the shape is RFC 6749's.
            return _error("invalid_request", "device flow is not enabled for this app")
        device_code = secrets.token_urlsafe(24)
        user_code = f"{secrets.token_hex(2).upper()}{secrets.token_hex(2).upper()}"
        with self.lock:
            self.devices[device_code] = DeviceGrant(
                app.consumer_key,
                user_code,
                form.get("scope", "api"),
                time.monotonic() + self.device_lifetime,
            )
        return 200, {
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": f"https://{host}/setup/connect",
            "interval": self.device_interval,
        }

    def _device_poll(self, form: dict[str, str]) -> tuple[int, JSON]:
        with self.lock:
            grant = self.devices.get(form.get("code", ""))
            if grant is None or grant.consumer_key != form.get("client_id"):
                return _error("invalid_grant", "invalid device code")
            now = time.monotonic()
            too_soon = now - grant.last_poll < self.device_interval
            grant.last_poll = now
            if now > grant.expires:
                return _error("expired_token", "device code expired")
            if grant.denied:
                return _error("access_denied", "end-user denied authorization")
            if not grant.username:
                if too_soon:
                    return _error("slow_down", "polling too frequently")
                return _error("authorization_pending", "authorization pending")
            del self.devices[form.get("code", "")]
        scopes = grant.scope.split()
        refresh_for = grant.consumer_key if "refresh_token" in scopes else ""
        return 200, self._granted(grant.username, grant.scope, refresh_for)

    def _refresh(self, form: dict[str, str]) -> tuple[int, JSON]:
        with self.lock:
            found = self.refresh_tokens.get(form.get("refresh_token", ""))
        if found is None or found[0] != form.get("client_id"):
            return _error("invalid_grant", "expired access/refresh token")
        app = self.apps.get(found[0])
        secret = form.get("client_secret")
        if app is not None and secret is not None and secret != app.consumer_secret:
            return _error("invalid_client", "invalid client credentials")
        return 200, self._granted(found[1])


def form_of(raw: bytes) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (the last value of a repeated key)."""
    from urllib.parse import parse_qs

    return {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
