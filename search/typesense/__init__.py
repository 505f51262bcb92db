"""docsift on a Typesense 0.24 cluster: the backend (search/typesense/backend.py), its records,
query translation, multi-search plan and related stories, and the local cluster `docsift
cluster` runs (cluster.py)."""

from search.typesense.backend import TypesenseBackend

__all__ = ["TypesenseBackend"]
