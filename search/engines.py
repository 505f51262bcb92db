"""Which engine answers: the backend `settings.backend` names, over the tables beside the
index. The one place that knows every engine; the service and the pipeline ask it."""

from __future__ import annotations

from pathlib import Path

from search.backend import Backend
from search.errors import ConfigError
from search.searchers import SEARCHERS
from search.settings import BACKENDS, Settings
from search.tables import IndexTables
from search.typesense import TypesenseBackend
from search.whoosh_backend import WhooshBackend


def open_backend(settings: Settings, tables: IndexTables | None = None) -> Backend:
    """The backend `settings.backend` names.

    Raises:
        ConfigError: an unknown backend, or Typesense without nodes or its client.
    """
    if settings.backend == "whoosh":
        return WhooshBackend(settings, tables)
    if settings.backend == "typesense":
        return TypesenseBackend.from_settings(settings, tables)
    raise ConfigError(f"backend must be one of {', '.join(BACKENDS)}, got {settings.backend!r}")


def whoosh_backend(
    settings: Settings,
    tables: IndexTables | None = None,
    *,
    index_dir: Path | None = None,
    searchers: int = SEARCHERS,
) -> WhooshBackend:
    """The embedded engine over `index_dir` (settings.index_dir unless given)."""
    return WhooshBackend(settings, tables, index_dir=index_dir, searchers=searchers)
