"""TypesenseBackend: the same searches on a Typesense 0.24 cluster (Raft-replicated server).

How docsift's features map onto Typesense:

- Words. Typesense 0.24 does not stem, so each document also carries `title_terms` and
  `body_terms`: the words of title and body after docsift's own NewsAnalyzer (the stems Whoosh
  indexes), and queries are parsed by the same Whoosh parser into the same stems
  (search.query.to_typesense). Typo tolerance and prefix search are off, so a word matches
  exactly as in Whoosh. Words, "phrases", NOT and a trailing `word*` are Typesense's ranked
  `q`; OR, groups and field:term become an exact filter expression.
- Names. Facet fields hold the names as the name table shows them (merged spellings, labels),
  resolved when written; the raw values stay in `*_raw` for `person:…` queries and for
  re-resolving when the name table changes (apply_names rewrites only what changed).
- Facets are disjunctive like Whoosh's: one multi-search with the main query plus, per
  selected facet or date range, the same query without that filter for that facet's counts.
- Date histograms: per histogram, string facets for the day, month and year buckets, built
  exactly as search/facets.py counts them (a document once per bucket; decades left out;
  never finer than the finest date); the granularity is chosen from the values present.
- Mentioned-date ranges are exact: day-precision dates are ordinals, coarser ones (month,
  year, decade) are the months they cover, and a range overlaps a coarse date iff it overlaps
  one of its whole months.
- Snippets are made by the same function as Whoosh's (search.service.make_snippet) from the
  stored body and the searched stems, so highlights read the same.
- Rebuild writes a new collection and then points the alias (`typesense_collection`) at it,
  so searches never see a half-built collection; the old collection is dropped after.
- The client knows every node and retries on the others, so a write survives a node going
  down; writes that fail during a leader election are retried until `write_timeout_s`.

- Versions of one story: each record carries its story key and change flags from the story
  table (apply_stories rewrites those that change); one hit per story is Typesense's group_by
  (the counts come from an ungrouped search, since grouped facet counts count stories).

- Related stories: Typesense 0.24 has no more-like-this; more_like() searches each of the
  document's key terms (tf·idf with document frequencies from Typesense) and ranks documents
  by the weights of the term lists they are in.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from search.backend import IndexStats
from search.documents import ENTITY_LABELS, Document
from search.errors import (
    ConfigError,
    IndexMissing,
    IndexSchemaMismatch,
    IndexUnavailable,
    QueryError,
)
from search.export import Export
from search.names import NameTable
from search.query import SearchRequest
from search.results import SearchResponse, StoryLink
from search.schema import build_schema
from search.settings import Settings
from search.stories import StoryTable
from search.tables import IndexTables
from search.typesense.plan import (
    VALUE_FACET_DEPTH,
    VALUES_MAX,
    empty_response,
    facet_counts_of,
    filters_of,
    hit_of,
    quoted,
    ranked,
    response_facets,
    search_plan,
)
from search.typesense.query import to_typesense
from search.typesense.records import changed_raw_values, collection_schema, from_record, to_record
from search.typesense.related import related

logger = logging.getLogger(__name__)

BATCH = 500


EXPORT_PAGE = 250  # records per search while exporting (Typesense's largest page)


class TypesenseBackend:
    """docsift's index in a Typesense collection (behind an alias) on a cluster."""

    name = "typesense"

    def __init__(
        self,
        nodes: list[tuple[str, int]],
        api_key: str,
        alias: str = "docsift",
        *,
        facet_limit: int = 10,
        snippet_chars: int = 240,
        write_timeout_s: float = 90.0,
        stories: StoryTable | None = None,
        tables: IndexTables | None = None,
    ) -> None:
        try:
            import typesense
        except ImportError as exc:
            raise ConfigError(
                "the typesense backend needs its client: pip install 'docsift[typesense]'"
            ) from exc
        if not nodes:
            raise ConfigError("typesense_nodes is empty: give host:port of every node")
        self.nodes = nodes
        self.alias = alias
        self.facet_limit = facet_limit
        self.snippet_chars = snippet_chars
        self.write_timeout_s = write_timeout_s
        self.stories = stories or StoryTable()
        # the name and story tables beside HOME/index, read when searching (None: a writer)
        self.tables = tables
        # where the index is, as `docsift stats` says it
        self.where = f"typesense {alias} on {','.join(f'{h}:{p}' for h, p in nodes)}"
        self._schema = build_schema()
        self._exceptions = typesense.exceptions
        self._api_key = api_key
        self.client = typesense.Client(
            {
                "api_key": api_key,
                "nodes": [{"host": h, "port": p, "protocol": "http"} for h, p in nodes],
                "connection_timeout_seconds": 10,
                # a node that is down is skipped for this long, then tried again
                "healthcheck_interval_seconds": 5,
                "num_retries": max(3, 2 * len(nodes)),
                "retry_interval_seconds": 0.5,
            }
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, tables: IndexTables | None = None
    ) -> TypesenseBackend:
        backend = cls(
            settings.typesense_node_list,
            settings.typesense_api_key,
            settings.typesense_collection,
            facet_limit=settings.facet_limit,
            snippet_chars=settings.snippet_chars,
            tables=tables or IndexTables(settings.index_dir),
        )
        backend.where = f"typesense {backend.alias} on {settings.typesense_nodes}"
        return backend

    def node_client(self, host: str, port: int) -> Any:
        """A client for one node alone (no failover), to ask what that node holds."""
        import typesense

        return typesense.Client(
            {
                "api_key": self._api_key,
                "nodes": [{"host": host, "port": port, "protocol": "http"}],
                "connection_timeout_seconds": 2,
                "num_retries": 0,
            }
        )

    def settle(
        self,
        collection: str | None = None,
        *,
        last: Mapping[str, Any] | None = None,
        gone: str | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        """Wait until every reachable node has applied the latest write: followers apply the
        leader's log asynchronously (well within a second here), so a search right after a
        write could miss it on a follower. Raft applies in order, so the last record written
        (`last`) or deleted (`gone`) being there (or not) means everything before is too;
        without either, the nodes' document counts must agree. A node that does not answer
        is skipped: it catches up from the log when it returns."""
        collection = collection or self._collection_name()
        if collection is None:
            return
        deadline = time.monotonic() + timeout_s
        while True:
            behind = 0
            counts = set()
            for host, port in self.nodes:
                documents = self.node_client(host, port).collections[collection].documents
                try:
                    if last is not None:
                        held = documents[last["id"]].retrieve()
                        behind += any(held.get(k) != v for k, v in last.items())
                    elif gone is not None:
                        documents[gone].retrieve()
                        behind += 1
                    else:
                        info = self.node_client(host, port).collections[collection].retrieve()
                        counts.add(int(info["num_documents"]))
                except self._exceptions.ObjectNotFound:
                    behind += last is not None
                except Exception:  # noqa: BLE001 - a node down or still starting
                    continue
            if (not behind and len(counts) <= 1) or time.monotonic() > deadline:
                return
            time.sleep(0.05)

    # -- collections and the alias -------------------------------------------------------

    def _collection_name(self) -> str | None:
        """The collection the alias points at, or None before the first write."""
        try:
            return str(self.client.aliases[self.alias].retrieve()["collection_name"])
        except self._exceptions.ObjectNotFound:
            return None
        except self._exceptions.TypesenseClientError as exc:
            raise IndexUnavailable(f"Typesense cannot be reached: {exc}") from exc

    def _new_collection(self) -> str:
        """A new empty collection that every reachable node already knows."""
        name = f"{self.alias}_{time.time_ns()}"
        self._retrying(lambda: self.client.collections.create(collection_schema(name)))
        deadline = time.monotonic() + 30.0
        while time.monotonic() < deadline:
            missing = False
            for host, port in self.nodes:
                try:
                    self.node_client(host, port).collections[name].retrieve()
                except self._exceptions.ObjectNotFound:
                    missing = True
                except Exception:  # noqa: BLE001 - a node down or still starting
                    continue
            if not missing:
                break
            time.sleep(0.05)
        return name

    def ensure(self) -> str:
        """The live collection, created (with the alias) on the first write."""
        current = self._collection_name()
        if current is None:
            current = self._new_collection()
            self.client.aliases.upsert(self.alias, {"collection_name": current})
            self._settle_alias(current)
        return current

    def _settle_alias(self, collection: str, timeout_s: float = 30.0) -> None:
        """Wait until every reachable node's alias points at `collection`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            behind = False
            for host, port in self.nodes:
                try:
                    found = self.node_client(host, port).aliases[self.alias].retrieve()
                    behind |= found.get("collection_name") != collection
                except self._exceptions.ObjectNotFound:
                    behind = True
                except Exception:  # noqa: BLE001 - a node down or still starting
                    continue
            if not behind:
                return
            time.sleep(0.05)

    def ready(self) -> bool:
        try:
            return self._collection_name() is not None
        except IndexUnavailable:
            return False

    # -- writes -------------------------------------------------------------------------

    def _retrying(self, call: Any, what: str = "write") -> Any:
        """Run a call, retrying while the cluster has no leader (an election takes ~8 s)."""
        deadline = time.monotonic() + self.write_timeout_s
        while True:
            try:
                return call()
            except self._exceptions.TypesenseClientError as exc:
                # 5xx, no answer, or a node saying it has no leader yet / lags behind: retry;
                # any other 4xx (a bad request, a missing collection) is not going to change
                transient = isinstance(
                    exc,
                    self._exceptions.ServiceUnavailable
                    | self._exceptions.ServerError
                    | self._exceptions.HTTPStatus0Error,
                ) or any(w in str(exc).lower() for w in ("leader", "not ready", "lagging"))
                if not transient:
                    raise
                if time.monotonic() > deadline:
                    raise IndexUnavailable(f"Typesense {what} failed: {exc}") from exc
                logger.info("Typesense %s failed (%s); retrying", what, exc)
                time.sleep(1.0)
            except OSError as exc:
                if time.monotonic() > deadline:
                    raise IndexUnavailable(f"Typesense {what} failed: {exc}") from exc
                logger.info("Typesense %s failed (%s); retrying", what, exc)
                time.sleep(1.0)
            except Exception as exc:  # requests' own errors once the client gives up
                if type(exc).__module__.startswith(("requests", "urllib3")):
                    if time.monotonic() > deadline:
                        raise IndexUnavailable(f"Typesense {what} failed: {exc}") from exc
                    logger.info("Typesense %s failed (%s); retrying", what, exc)
                    time.sleep(1.0)
                    continue
                raise

    def _import(self, collection: str, records: list[dict[str, Any]], action: str) -> None:
        """Import records, re-sending the ones a node refused until all are in."""
        pending = records
        deadline = time.monotonic() + self.write_timeout_s
        while pending:
            batch = pending
            results = self._retrying(
                lambda batch=batch: self.client.collections[collection].documents.import_(
                    batch, {"action": action}
                )
            )
            failed = [r for r, res in zip(batch, results, strict=True) if not res.get("success")]
            if failed and time.monotonic() > deadline:
                errors = {str(res.get("error")) for res in results if not res.get("success")}
                raise IndexUnavailable(f"Typesense refused {len(failed)} documents: {errors}")
            if failed:
                logger.info(
                    "Typesense refused %d of %d records (%s); sending them again",
                    len(failed),
                    len(batch),
                    next(str(r.get("error")) for r in results if not r.get("success")),
                )
                time.sleep(1.0)
            pending = failed

    def _write_to(self, collection: str, documents: Iterable[Document], names: NameTable) -> int:
        """Upsert in batches; then wait for every node to hold the last record."""
        count = 0
        batch: list[dict[str, Any]] = []
        last: dict[str, Any] | None = None
        for document in documents:
            batch.append(to_record(document, names, self.stories))
            if len(batch) >= BATCH:
                self._import(collection, batch, "upsert")
                count += len(batch)
                last, batch = batch[-1], []
        if batch:
            self._import(collection, batch, "upsert")
            count += len(batch)
            last = batch[-1]
        if last is not None:
            self.settle(collection, last={k: last[k] for k in ("id", "title", "meta")})
        return count

    def write(self, documents: Iterable[Document], names: NameTable) -> int:
        return self._write_to(self._retrying(self.ensure), documents, names)

    def delete(self, doc_ids: Iterable[str]) -> int:
        ids = list(doc_ids)
        collection = self._collection_name()
        if collection is None or not ids:
            return 0
        removed = 0
        for i in range(0, len(ids), 100):
            chunk = ids[i : i + 100]
            result = self._retrying(
                lambda chunk=chunk: self.client.collections[collection].documents.delete(
                    {"filter_by": f"doc_id:={quoted(chunk)}"}
                )
            )
            removed += int(result.get("num_deleted", 0))
        self.settle(collection, gone=ids[-1])
        return removed

    def rebuild(self, documents: Iterable[Document], names: NameTable, stories: StoryTable) -> int:
        old = self._collection_name()
        new = self._new_collection()
        self.stories = stories
        try:
            count = self._write_to(new, documents, names)
        except BaseException:
            self.client.collections[new].delete()
            raise
        # _write_to waited for every node to hold the new collection: swap searches to it
        self._retrying(
            lambda: self.client.aliases.upsert(self.alias, {"collection_name": new}), "swap"
        )
        self._settle_alias(new)
        if old is not None and old != new:
            try:
                self.client.collections[old].delete()
            except self._exceptions.TypesenseClientError:
                logger.warning("could not drop the old collection %s", old)
        return count

    def _export(
        self, collection: str, fields: str = "id,person,org,place,person_raw,org_raw,place_raw"
    ) -> Iterator[dict[str, Any]]:
        text = self._retrying(
            lambda: self.client.collections[collection].documents.export(
                {"include_fields": fields}
            ),
            "export",
        )
        for line in text.splitlines():
            if line.strip():
                yield json.loads(line)

    def apply_names(self, names: NameTable, previous: NameTable | None = None) -> None:
        """Re-resolve the shown names of the records the change from `previous` (the table
        every record was last resolved with) can affect, found by their raw values; without
        `previous`, of every record. Only records whose shown names change are rewritten."""
        collection = self._collection_name()
        if collection is None:
            return
        if previous is None:
            records: Iterable[dict[str, Any]] = self._export(collection)
        else:
            affected = changed_raw_values(previous, names)
            if not any(affected.values()):
                return
            records = self._export_mentioning(collection, affected)
        changed = []
        for record in records:
            raw = {label: tuple(record.get(f"{label}_raw") or ()) for label in ENTITY_LABELS}
            shown = names.shown(raw)
            if any(shown[label] != list(record.get(label) or ()) for label in ENTITY_LABELS):
                changed.append({"id": record["id"], **shown})
        for i in range(0, len(changed), BATCH):
            self._import(collection, changed[i : i + BATCH], "update")
        if changed:
            self.settle(collection, last=changed[-1])

    def _export_mentioning(
        self, collection: str, affected: Mapping[str, set[str]]
    ) -> Iterator[dict[str, Any]]:
        """The records whose raw entity values include any of `affected`, in chunks."""
        seen: set[str] = set()
        for label, values in affected.items():
            ordered = sorted(values)
            for i in range(0, len(ordered), 100):
                chunk = ordered[i : i + 100]
                text = self._retrying(
                    lambda label=label, chunk=chunk: self.client.collections[
                        collection
                    ].documents.export(
                        {
                            "filter_by": f"{label}_raw:={quoted(chunk)}",
                            "include_fields": "id,person,org,place,person_raw,org_raw,place_raw",
                        }
                    ),
                    "export",
                )
                for line in text.splitlines():
                    if line.strip():
                        record = json.loads(line)
                        if record["id"] not in seen:
                            seen.add(record["id"])
                            yield record

    def apply_stories(self, stories: StoryTable) -> None:
        """Re-key every record whose story or change flags differ from the new table."""
        self.stories = stories
        collection = self._collection_name()
        if collection is None:
            return
        changed = []
        for record in self._export(collection, "id,story,changes"):
            story = stories.story(record["id"])
            flags = list(stories.flags(record["id"]))
            if record.get("story") != story or list(record.get("changes") or ()) != flags:
                changed.append({"id": record["id"], "story": story, "changes": flags})
        for i in range(0, len(changed), BATCH):
            self._import(collection, changed[i : i + BATCH], "update")
        if changed:
            self.settle(collection, last=changed[-1])

    # -- reads --------------------------------------------------------------------------

    def count(self) -> int:
        collection = self._collection_name()
        if collection is None:
            return 0
        return int(self.client.collections[collection].retrieve()["num_documents"])

    def get(self, doc_id: str) -> Document | None:
        if self._collection_name() is None:
            raise IndexMissing("nothing has been indexed yet")
        try:
            record = self.client.collections[self.alias].documents[doc_id].retrieve()
        except self._exceptions.ObjectNotFound:
            return None
        except self._exceptions.TypesenseClientError as exc:
            raise IndexUnavailable(f"Typesense cannot be reached: {exc}") from exc
        return from_record(record)

    def multi(self, searches: list[dict[str, Any]]) -> list[dict[str, Any]]:
        try:
            found = self.client.multi_search.perform({"searches": searches}, {})
        except self._exceptions.TypesenseClientError as exc:
            raise IndexUnavailable(f"Typesense search failed: {exc}") from exc
        results = found["results"]
        for result in results:
            if "error" in result:
                message = str(result["error"])
                if int(result.get("code", 500)) == 404 and self._collection_name() is None:
                    raise IndexMissing("nothing has been indexed yet")
                if "Could not find a facet field" in message:
                    # a collection written by an earlier docsift lacks a newer facet field
                    raise IndexSchemaMismatch(
                        f"the Typesense collection was built by an older docsift ({message}): "
                        "run `docsift reindex`"
                    )
                if int(result.get("code", 500)) == 400:
                    raise QueryError(f"Typesense refused the query: {message}", "q", None)
                raise IndexUnavailable(f"Typesense search failed: {message}")
        return list(results)

    def search(self, request: SearchRequest) -> SearchResponse:
        """The page, facet counts and histograms of one request, in one multi-search.

        Raises:
            QueryError: the query uses what Typesense cannot run.
            IndexMissing: nothing has been indexed yet.
            IndexUnavailable: the cluster does not answer.
        """
        started = time.perf_counter()
        if self.tables is not None:
            # the story table beside HOME/index lists a hit's versions and their order
            self.stories = self.tables.stories()
        translated = to_typesense(request.q, self._schema)
        if translated.nothing:
            if self._collection_name() is None:
                raise IndexMissing("nothing has been indexed yet")
            return empty_response(request, self.facet_limit, started)
        searches = search_plan(request, translated, self.alias)
        results = self.multi(searches)
        counts, totals = facet_counts_of(results)
        if request.collapsed:
            total, stories = int(results[1]["found"]), int(results[0]["found"])
            groups = [g["hits"] for g in results[0].get("grouped_hits") or ()]
        else:
            total = stories = int(results[0]["found"])
            groups = [[h] for h in results[0]["hits"]]
        hits = tuple(
            hit_of(group, translated, request, self.stories, self.snippet_chars)
            for group in groups
            if group
        )
        return SearchResponse(
            request=request,
            total=total,
            hits=hits,
            facets=response_facets(request, counts, totals, self.facet_limit),
            took_ms=(time.perf_counter() - started) * 1000,
            stories=stories,
        )

    def export(self, request: SearchRequest) -> Export:
        """Every document the request matches, a page of EXPORT_PAGE records at a time
        (newest first, oldest first for sort=oldest): the first page says how many.

        Raises:
            QueryError: the query uses what Typesense cannot run.
            IndexMissing: nothing has been indexed yet.
        """
        translated = to_typesense(request.q, self._schema)
        if translated.nothing:
            if self._collection_name() is None:
                raise IndexMissing("nothing has been indexed yet")
            return Export(0, iter(()))
        search: dict[str, Any] = {
            **ranked(translated, self.alias),
            "per_page": EXPORT_PAGE,
            "sort_by": "date_asc:asc" if request.sort == "oldest" else "date_desc:desc",
            "exclude_fields": "title_terms,body_terms,author_terms",
            "highlight_fields": "doc_id",
        }
        clause = filters_of(request, translated.filter_by).without()
        if clause:
            search["filter_by"] = clause
        first = self.multi([{**search, "page": 1}])[0]
        total = int(first["found"])

        def documents() -> Iterator[Document]:
            result, page = first, 1
            while True:
                for hit in result.get("hits") or ():
                    yield from_record(hit["document"])
                if page * EXPORT_PAGE >= total or not result.get("hits"):
                    return
                page += 1
                result = self.multi([{**search, "page": page}])[0]

        return Export(total, documents())

    def facet_counts(
        self, request: SearchRequest, name: str, limit: int | None, *, disjunctive: bool = True
    ) -> tuple[list[tuple[str, int]], int]:
        """One facet's (value, count) pairs, most first, and how many values it has; without
        its own filter when `disjunctive` (as search shows it), with it otherwise."""
        translated = to_typesense(request.q, self._schema)
        if translated.nothing:
            return [], 0
        filters = filters_of(request, translated.filter_by)
        search: dict[str, Any] = {
            **ranked(translated, self.alias),
            "per_page": 0,
            "facet_by": name,
            "max_facet_values": max(limit or VALUES_MAX, VALUE_FACET_DEPTH),
        }
        clause = filters.without(name) if disjunctive else filters.without()
        if clause:
            search["filter_by"] = clause
        result = self.multi([search])[0]
        for facet in result.get("facet_counts") or ():
            pairs = sorted(
                ((v["value"], int(v["count"])) for v in facet["counts"]),
                key=lambda pair: (-pair[1], pair[0]),
            )
            return pairs, int((facet.get("stats") or {}).get("total_values", len(pairs)))
        return [], 0

    def related(self, doc_id: str, limit: int) -> tuple[StoryLink, ...]:
        if self.tables is None:
            raise ConfigError("related stories are read beside the index: open with tables")
        return related(self, self.tables, doc_id, limit)

    def stats(self) -> IndexStats:
        """Counts asked of the cluster: documents, names per facet, the date range."""
        where = self.where
        try:
            if not self.ready():
                return IndexStats(0, False, where, self.name)
            request = SearchRequest()
            totals = {
                label: self.facet_counts(request, label, 1)[1]
                for label in (*ENTITY_LABELS, "language")
            }
            newest = self.search(replace(request, sort="newest", per_page=1)).hits
            oldest = self.search(replace(request, sort="oldest", per_page=1)).hits
            return IndexStats(
                documents=self.count(),
                ready=True,
                index=where,
                backend=self.name,
                nodes=len(self.nodes),
                people=totals["person"],
                orgs=totals["org"],
                places=totals["place"],
                languages=totals["language"],
                earliest=oldest[0].date.isoformat() if oldest and oldest[0].date else None,
                latest=newest[0].date.isoformat() if newest and newest[0].date else None,
            )
        except IndexUnavailable as exc:
            return IndexStats(0, False, where, self.name, reason=str(exc))
