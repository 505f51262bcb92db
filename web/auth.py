"""Optional token authentication, on when Settings.token (DOCSIFT_TOKEN) is set.

Then every route but /healthz and static files needs `Authorization: Bearer <token>`, or the
session cookie a browser gets by entering the token once in the form on the 401 page (POST
/login). The cookie holds an HMAC of the token, not the token; it is HttpOnly and
SameSite=Strict, and changing the token signs every browser out. Every comparison goes
through hmac.compare_digest on fixed-length digests, so timing reveals neither the token nor
its length.

Refusals raise werkzeug's Unauthorized, so web/errors.py answers them like any other error:
the JSON error shape under /api/, the error page (with the sign-in form) elsewhere, and a
WWW-Authenticate header on both.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote, urlsplit

from flask import Blueprint, Flask, current_app, redirect, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized
from werkzeug.wrappers import Response as WerkzeugResponse

bp = Blueprint("auth", __name__)

COOKIE = "docsift_session"
COOKIE_MAX_AGE = 30 * 24 * 3600
REALM = "docsift"
# reachable without a token: load balancers' health checks, the stylesheet and script of the
# sign-in page, and the sign-in form's target
OPEN_ENDPOINTS = frozenset({"static", "api.healthz", "auth.sign_in"})
EXTENSION = "docsift_token"
# what a rebuilt redirect target keeps as it is; everything else is percent-encoded
_PATH_SAFE = "/-._~!$&'()*+,;=:@%"
_QUERY_SAFE = _PATH_SAFE + "?"


def init_app(app: Flask, token: str) -> None:
    """Require `token` on every request to `app`; an empty token leaves the app open."""
    if not token:
        return
    app.extensions[EXTENSION] = token
    app.register_blueprint(bp)
    app.before_request(check_request)


def token_required() -> bool:
    """Whether the current app checks a token."""
    return bool(current_app.extensions.get(EXTENSION))


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison that also hides the expected value's length."""
    return hmac.compare_digest(_digest(given), _digest(expected))


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


def session_value(token: str) -> str:
    """What the session cookie holds: derived from the token, useless for the API header."""
    return hmac.new(token.encode("utf-8"), b"docsift session v1", hashlib.sha256).hexdigest()


def challenge(error: str | None = None) -> WWWAuthenticate:
    params: dict[str, str | None] = {"realm": REALM}
    if error:
        params["error"] = error
    return WWWAuthenticate("bearer", params)


def check_request() -> None:
    """before_request: let the request through or raise Unauthorized.

    Raises:
        Unauthorized: no credentials, or wrong ones.
    """
    if request.endpoint in OPEN_ENDPOINTS:
        return
    token: str = current_app.extensions[EXTENSION]
    auth = request.authorization
    if auth is not None and auth.type == "bearer":
        if same_secret(auth.token or "", token):
            return
        raise Unauthorized("The token is not valid.", www_authenticate=challenge("invalid_token"))
    cookie = request.cookies.get(COOKIE)
    if cookie is not None and same_secret(cookie, session_value(token)):
        return
    raise Unauthorized(
        "This docsift needs a token: send `Authorization: Bearer <token>`"
        + ("." if request.path.startswith("/api/") else " or enter it below."),
        www_authenticate=challenge(),
    )


def next_url() -> str:
    """Where the sign-in form returns to: the page asked for, or the form's `next` field."""
    if request.endpoint == "auth.sign_in":
        return safe_next(request.form.get("next"))
    path = request.full_path
    return safe_next(path[:-1] if path.endswith("?") else path)


def safe_next(target: str | None) -> str:
    """A local path to redirect to, parsed and rebuilt: only its path and query are kept,
    every character that is not plainly safe in them percent-encoded (a tab or a backslash
    can no longer be stripped by a later layer into `//evil.example`); anything that names
    a scheme or a host, or would be read as one, becomes "/"."""
    if not target or not target.startswith("/"):
        return "/"
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return "/"  # browsers read a backslash as a slash; a tab or newline gets stripped
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    path = quote(parts.path, safe=_PATH_SAFE)
    if not path.startswith("/") or path.startswith("//"):
        return "/"
    query = quote(parts.query, safe=_QUERY_SAFE)
    return path + ("?" + query if query else "")


@bp.post("/login")
def sign_in() -> WerkzeugResponse:
    """Check the token typed into the 401 page's form and set the session cookie.

    Raises:
        Unauthorized: a wrong token (the page with the form again).
    """
    token: str = current_app.extensions[EXTENSION]
    if not same_secret(request.form.get("token", ""), token):
        raise Unauthorized("That token is not valid.", www_authenticate=challenge("invalid_token"))
    response = redirect(next_url(), code=303)
    response.set_cookie(
        COOKIE,
        session_value(token),
        max_age=COOKIE_MAX_AGE,
        path="/",
        secure=request.is_secure,
        httponly=True,
        samesite="Strict",
    )
    return response
