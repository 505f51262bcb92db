"""Settings: every tunable in one frozen dataclass, loaded from arguments, environment and TOML.

Precedence: explicit overrides > DOCSIFT_* environment variables > TOML file > defaults. The
environment is passed in so tests never touch os.environ.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search.errors import ConfigError


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True, slots=True)
class Settings:
    """Every tunable of docsift with its default; see the README's settings table."""

    home: Path = field(default=Path(".docsift"), metadata=_help("data directory: store + index"))
    page_size: int = field(default=10, metadata=_help("results per page by default"))
    max_page_size: int = field(default=100, metadata=_help("largest per_page a client may ask"))
    facet_limit: int = field(default=10, metadata=_help("facet values shown per facet"))
    snippet_chars: int = field(default=240, metadata=_help("approximate length of a snippet"))
    max_query_chars: int = field(default=1000, metadata=_help("longest query string accepted"))
    query_timeout_s: float = field(
        default=10.0,
        metadata=_help("longest a search may run (and an expensive one may queue) before a 503"),
    )
    expensive_searches: int = field(
        default=1,
        metadata=_help("searches with wildcards or very many words that may run at once"),
    )
    cache_mb: int = field(
        default=256,
        metadata=_help(
            "memory for search caches per server process, in MB (0: none): decoded postings"
            " 5/8, facet counts 2/8, responses 1/8"
        ),
    )
    max_file_bytes: int = field(
        default=20 * 1024 * 1024, metadata=_help("files or pages larger than this are skipped")
    )
    max_text_chars: int = field(
        default=900_000,
        metadata=_help(
            "documents with more text than this after cleaning are skipped"
            " (spaCy NER reads at most 1,000,000 characters)"
        ),
    )
    user_agent: str = field(
        default="docsift/0.1 (+https://github.com/docsift/docsift)",
        metadata=_help("User-Agent sent when fetching URLs"),
    )
    fetch_timeout_s: float = field(
        default=20.0,
        metadata=_help("the most one fetch may take, first byte to last, redirects included"),
    )
    max_redirects: int = field(default=5, metadata=_help("redirects followed per fetch"))
    ner_processes: int = field(
        default=2, metadata=_help("worker processes for entity recognition on large ingests")
    )
    crawl_delay_s: float = field(
        default=1.0, metadata=_help("seconds between two requests to one host (or its Crawl-delay)")
    )
    crawl_concurrency: int = field(
        default=4, metadata=_help("requests in flight at once across hosts (one per host)")
    )
    crawl_max_pages: int = field(default=1000, metadata=_help("pages fetched per crawl"))
    crawl_max_depth: int = field(default=5, metadata=_help("links followed away from a seed"))
    crawl_max_attempts: int = field(
        default=3, metadata=_help("tries per URL on 429, 5xx and timeouts before it fails")
    )
    crawl_backoff_s: float = field(
        default=2.0, metadata=_help("first retry wait; doubles each attempt (or Retry-After)")
    )
    crawl_max_retry_wait_s: float = field(
        default=60.0, metadata=_help("longest wait before a retry, whatever Retry-After says")
    )
    allowed_hosts: str = field(
        default="",
        metadata=_help(
            "more Host names the server answers to, comma-separated (a proxy's public name)"
        ),
    )
    token: str = field(
        default="",
        repr=False,  # a secret: never in logs or tracebacks
        metadata=_help("bearer token every page and API call must carry; empty: no check"),
    )
    backend: str = field(
        default="whoosh",
        metadata=_help("search engine: whoosh (embedded) or typesense (a server cluster)"),
    )
    typesense_nodes: str = field(
        default="",
        metadata=_help("Typesense nodes as host:port,host:port,... (every node of the cluster)"),
    )
    typesense_api_key: str = field(
        default="",
        repr=False,  # a secret: never in logs or tracebacks
        metadata=_help("Typesense API key (admin key: docsift creates collections)"),
    )
    typesense_collection: str = field(
        default="docsift",
        metadata=_help("Typesense alias searches use; reindex swaps it to a new collection"),
    )

    @property
    def db_path(self) -> Path:
        return self.home / "docsift.db"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def typesense_node_list(self) -> list[tuple[str, int]]:
        """(host, port) of every Typesense node in `typesense_nodes`."""
        nodes = []
        for node in self.typesense_nodes.split(","):
            host, _, port = node.strip().rpartition(":")
            if host and port.isdigit():
                nodes.append((host.strip("[]"), int(port)))
        return nodes


def settings_fields() -> list[dataclasses.Field[Any]]:
    """The documented fields, in order (the README table and the docs test use this)."""
    return list(dataclasses.fields(Settings))


def _coerce(name: str, raw: object, kind: type, errors: list[str]) -> object:
    try:
        if kind is Path:
            return Path(str(raw))
        if kind is int:
            if isinstance(raw, bool):
                raise ValueError
            return int(str(raw))
        if kind is float:
            return float(str(raw))
        return str(raw)
    except ValueError:
        errors.append(f"{name}: {raw!r} is not a valid {kind.__name__}")
        return None


_KINDS: dict[str, type] = {
    "home": Path,
    "page_size": int,
    "max_page_size": int,
    "facet_limit": int,
    "snippet_chars": int,
    "max_query_chars": int,
    "query_timeout_s": float,
    "expensive_searches": int,
    "cache_mb": int,
    "max_file_bytes": int,
    "max_text_chars": int,
    "user_agent": str,
    "fetch_timeout_s": float,
    "max_redirects": int,
    "ner_processes": int,
    "crawl_delay_s": float,
    "crawl_concurrency": int,
    "crawl_max_pages": int,
    "crawl_max_depth": int,
    "crawl_max_attempts": int,
    "crawl_backoff_s": float,
    "crawl_max_retry_wait_s": float,
    "allowed_hosts": str,
    "token": str,
    "backend": str,
    "typesense_nodes": str,
    "typesense_api_key": str,
    "typesense_collection": str,
}
BACKENDS = ("whoosh", "typesense")


def load_settings(
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: object,
) -> Settings:
    """Build Settings from a TOML file, DOCSIFT_* variables and explicit overrides.

    Raises:
        ConfigError: listing every unknown key or bad value at once.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    errors: list[str] = []
    if path is not None:
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from exc
        for key, raw in data.items():
            if key not in _KINDS:
                errors.append(f"{key}: unknown setting in {path}")
            else:
                values[key] = raw
    for key in _KINDS:
        env_name = f"DOCSIFT_{key.upper()}"
        if environ.get(env_name):
            values[key] = environ[env_name]
    for key, raw in overrides.items():
        if key not in _KINDS:
            errors.append(f"{key}: unknown setting")
        elif raw is not None:
            values[key] = raw
    coerced = {k: _coerce(k, v, _KINDS[k], errors) for k, v in values.items() if k in _KINDS}
    errors.extend(_bound_errors(coerced))
    backend = coerced.get("backend")
    if isinstance(backend, str):
        coerced["backend"] = backend = backend.strip().lower()
        if backend not in BACKENDS:
            errors.append(f"backend: must be one of {', '.join(BACKENDS)}, got {backend!r}")
        elif backend == "typesense":
            nodes = coerced.get("typesense_nodes")
            if not isinstance(nodes, str) or not nodes.strip():
                errors.append("typesense_nodes: the typesense backend needs host:port,...")
    if isinstance(coerced.get("typesense_nodes"), str):
        for node in str(coerced["typesense_nodes"]).split(","):
            host, _, port = node.strip().rpartition(":")
            if node.strip() and (not host or not port.isdigit()):
                errors.append(f"typesense_nodes: {node.strip()!r} is not host:port")
    if errors:
        raise ConfigError("bad settings: " + "; ".join(errors))
    return Settings(**coerced)  # type: ignore[arg-type]


# counts that make no sense at zero, and waits or depths that may be zero but not below
_AT_LEAST_ONE = (
    "page_size",
    "max_page_size",
    "facet_limit",
    "snippet_chars",
    "max_query_chars",
    "max_file_bytes",
    "max_text_chars",
    "max_redirects",
    "ner_processes",
    "expensive_searches",
    "crawl_concurrency",
    "crawl_max_pages",
    "crawl_max_attempts",
)
_NOT_NEGATIVE = (
    "cache_mb",
    "crawl_delay_s",
    "crawl_max_depth",
    "crawl_backoff_s",
    "crawl_max_retry_wait_s",
)


def _bound_errors(coerced: dict[str, object]) -> list[str]:
    """One message per numeric setting outside its range, in a fixed order (the table above)."""
    errors: list[str] = []
    for key in _AT_LEAST_ONE:
        value = coerced.get(key)
        if isinstance(value, int) and value < 1:
            errors.append(f"{key}: must be at least 1, got {value}")
    timeout = coerced.get("query_timeout_s")
    if isinstance(timeout, int | float) and timeout <= 0:
        errors.append(f"query_timeout_s: must be more than 0, got {timeout}")
    for key in _NOT_NEGATIVE:
        value = coerced.get(key)
        if isinstance(value, int | float) and value < 0:
            errors.append(f"{key}: must not be negative, got {value}")
    return errors
