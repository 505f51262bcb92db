"""The Flask app factory: one SearchService per app, passed in by tests or built from settings.

No module-level app, settings or index, so tests can build as many isolated apps as they like.
"""

from __future__ import annotations

from flask import Flask, Response

from search.service import SearchService
from search.settings import Settings, load_settings
from web import api, auth, errors, hosts, views

# The pages never need inline code, so the policy forbids it: a stored title that slips past
# escaping still cannot run script or pull in third-party assets.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(
    settings: Settings | None = None,
    service: SearchService | None = None,
    *,
    bound_host: str | None = None,
    allowed_hosts: tuple[str, ...] = (),
) -> Flask:
    """Build the Flask app. Tests pass `service`; production builds it from settings.

    The app answers only requests whose Host is `bound_host` (the address `docsift serve`
    listens on), a loopback name, or one of `allowed_hosts` and `settings.allowed_hosts`.

    Raises:
        ConfigError: when settings are not given and the environment holds bad values.
    """
    settings = settings or load_settings()
    app = Flask(__name__)
    # "/api//search" is a 404 in the API's JSON, not a redirect with an HTML body
    app.url_map.merge_slashes = False
    app.config.from_mapping(DOCSIFT_SETTINGS=settings)
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the documented key order
    app.extensions["docsift"] = service or SearchService.from_settings(settings)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    errors.init_app(app)
    extra = (*allowed_hosts, *settings.allowed_hosts.split(","))
    hosts.init_app(app, bound_host, extra)  # before auth: a foreign Host is refused first
    auth.init_app(app, settings.token)
    app.after_request(add_security_headers)
    return app


def add_security_headers(response: Response) -> Response:
    """Applied to every response, errors and static files included."""
    response.headers.update(SECURITY_HEADERS)
    return response
