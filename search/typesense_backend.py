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

import datetime as dt
import json
import logging
import math
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from search.analysis import NewsAnalyzer
from search.documents import Document, meta_fields, parse_iso_at, split_values
from search.errors import (
    ConfigError,
    IndexMissing,
    IndexSchemaMismatch,
    IndexUnavailable,
    QueryError,
)
from search.facets import GRANULARITIES, date_interval
from search.names import WEAK, NameTable
from search.query import (
    ENTITY_FACETS,
    FACETS,
    HISTOGRAMS,
    SearchRequest,
    TypesenseQuery,
    to_typesense,
)
from search.results import Facet, Hit, SearchResponse
from search.schema import build_schema
from search.settings import Settings
from search.stories import StoryTable

logger = logging.getLogger(__name__)

BATCH = 500
# facet values asked for per person/org/place facet (then sorted by count and name, as Whoosh
# does): Typesense's cost grows with it (on Reuters, a word in 8,600 stories: 18 ms for 10
# values, 34 ms for 100, 85 ms for 250)
VALUE_FACET_DEPTH = 100
# histogram buckets asked for (days of a multi-year corpus would be cut; years and months not)
HISTOGRAM_DEPTH = 10_000
NO_DATE_ASC = 10**8  # sorts undated documents last for "oldest", as Whoosh does
MAX_ORDINAL = dt.date.max.toordinal()
LABEL_KEYS = {"person": "people", "org": "orgs", "place": "places"}
# per histogram: the string facet holding each granularity's bucket keys, and the facets whose
# values are the dates themselves at their precision (decades left out), from which the range
# and the finest precision choose the granularity
HISTOGRAM_FIELDS = {
    "published": {"day": "day", "month": "month", "year": "year"},
    "mentioned": {
        "day": "mentioned_day",
        "month": "mentioned_month",
        "year": "mentioned_year",
        "month_only": "mentioned_month_only",
        "year_only": "mentioned_year_only",
    },
}
DATE_VALUE_FIELDS = {
    "published": ("day",),
    "mentioned": ("mentioned_day", "mentioned_month_only", "mentioned_year_only"),
}
HIT_FIELDS = "doc_id,title,url,source,body,date_desc,day,person,org,place,language"
# versions of one story shown as one hit: how many matching versions a hit lists at most
GROUP_LIMIT = 50


def collection_schema(name: str) -> dict[str, Any]:
    """The Typesense collection mirroring search/schema.py (plus the analysed word fields)."""

    def f(field: str, kind: str, **options: Any) -> dict[str, Any]:
        return {"name": field, "type": kind, **options}

    stored = {"index": False, "optional": True}
    return {
        "name": name,
        # keep the characters Whoosh's tokens may hold ("u.s", "a.i.d", "foo_bar"): dropped,
        # "a.i.d" would match the word "aid"
        "symbols_to_index": [".", "_"],
        "fields": [
            f("doc_id", "string"),
            f("title", "string", **stored),
            f("body", "string", **stored),
            f("title_terms", "string"),
            f("body_terms", "string"),
            f("author", "string", **stored),
            f("author_terms", "string[]", optional=True),
            f("url", "string", optional=True),
            f("source", "string", optional=True),
            f("person", "string[]", facet=True, optional=True),
            f("org", "string[]", facet=True, optional=True),
            f("place", "string[]", facet=True, optional=True),
            f("person_raw", "string[]", optional=True),
            f("org_raw", "string[]", optional=True),
            f("place_raw", "string[]", optional=True),
            f("language", "string", facet=True, optional=True),
            f("year", "string", facet=True, optional=True),
            f("month", "string", facet=True, optional=True),
            f("day", "string", facet=True, optional=True),
            f("date_desc", "int64"),
            f("date_asc", "int64"),
            f("mentioned", "string[]", optional=True),
            f("mentioned_day", "string[]", facet=True, optional=True),
            f("mentioned_month", "string[]", facet=True, optional=True),
            f("mentioned_year", "string[]", facet=True, optional=True),
            f("mentioned_month_only", "string[]", facet=True, optional=True),
            f("mentioned_year_only", "string[]", facet=True, optional=True),
            f("mentioned_days", "int64[]", optional=True),
            f("mentioned_cover", "int64[]", optional=True),
            f("story", "string", facet=True),
            f("changes", "string[]", facet=True, optional=True),
            f("meta", "string", **stored),
        ],
    }


_ANALYZER = NewsAnalyzer()


def analysed(text: str) -> str:
    """The words Whoosh indexes for a title or body (stems, every word kept), space-joined."""
    return " ".join(token.text for token in _ANALYZER(text))


def _month_key(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def changed_raw_values(old: NameTable, new: NameTable) -> dict[str, set[str]]:
    """Per label, the raw entity values (weak "?" forms included) the two tables show
    differently: the only ones whose records need their shown names rewritten."""
    candidates: set[str] = set(old.labels) | set(new.labels)
    for table in (old, new):
        candidates.update(table.relabels)
        candidates.update(table.hidden)
        for variants in table.aliases.values():
            candidates.update(variants)
            candidates.update(variants.values())
    affected: dict[str, set[str]] = {label: set() for label in ENTITY_FACETS}
    for value in candidates:
        for raw in (value, WEAK + value):
            for label in ENTITY_FACETS:
                if old.resolve(label, raw) != new.resolve(label, raw):
                    affected[label].add(raw)
    return affected


def to_record(
    document: Document, names: NameTable, stories: StoryTable | None = None
) -> dict[str, Any]:
    """A document as a Typesense record (the same field values Whoosh's to_fields writes),
    with its story key and change flags from the story table."""
    stories = stories or StoryTable()
    fields = document.to_fields()
    raw = {label: split_values(fields.get(label)) for label in ENTITY_FACETS}
    record: dict[str, Any] = {
        "id": document.doc_id,
        "doc_id": document.doc_id,
        "title": document.title,
        "body": document.body,
        "title_terms": analysed(document.title),
        "body_terms": analysed(document.body),
        "author": document.author,
        "author_terms": sorted(
            {t.text for t in build_schema()["author"].analyzer(document.author)}
        ),
        "url": document.url,
        "source": document.source,
        **names.shown(raw),
        **{f"{label}_raw": list(values) for label, values in raw.items()},
        "meta": json.dumps(fields["meta"], ensure_ascii=False),
        "story": stories.story(document.doc_id),
        "changes": list(stories.flags(document.doc_id)),
    }
    if document.language:
        record["language"] = document.language
    if document.published is not None:
        ordinal = document.published.toordinal()
        record.update(
            year=fields["year"],
            month=fields["month"],
            day=fields["day"],
            date_desc=ordinal,
            date_asc=ordinal,
        )
    else:
        record.update(date_desc=0, date_asc=NO_DATE_ASC)
    mentioned = split_values(fields.get("mentioned"))
    days, months, years, ordinals, cover = set(), set(), set(), set(), set()
    months_only, years_only = set(), set()
    for value in mentioned:
        interval = date_interval(value)
        if interval is None:
            continue
        start, end, precision = interval
        if precision == 0:
            days.add(value)
            ordinals.add(start.toordinal())
        else:
            cover.update(range(_month_key(start), _month_key(end) + 1))
        if precision <= 1:
            months.add(start.strftime("%Y-%m"))
        if precision <= 2:
            years.add(f"{start.year:04d}")
        if precision == 1:
            months_only.add(value)
        if precision == 2:
            years_only.add(value)
    record.update(
        mentioned=list(mentioned),
        mentioned_day=sorted(days),
        mentioned_month=sorted(months),
        mentioned_year=sorted(years),
        mentioned_month_only=sorted(months_only),
        mentioned_year_only=sorted(years_only),
        mentioned_days=sorted(ordinals),
        mentioned_cover=sorted(cover),
    )
    return record


def from_record(record: Mapping[str, Any]) -> Document:
    """A Typesense record back into the Document it was written from (raw entity values)."""
    meta: Mapping[str, Any] = json.loads(record.get("meta") or "{}")
    ordinal = int(record.get("date_desc") or 0)
    return Document(
        doc_id=record["doc_id"],
        title=record.get("title", ""),
        body=record.get("body", ""),
        source=record.get("source", ""),
        url=record.get("url", ""),
        author=record.get("author", ""),
        published=dt.date.fromordinal(ordinal) if ordinal else None,
        people=tuple(record.get("person_raw") or ()),
        orgs=tuple(record.get("org_raw") or ()),
        places=tuple(record.get("place_raw") or ()),
        language=record.get("language") or "",
        **meta_fields(meta),
    )


def _prefix(translated: TypesenseQuery) -> str:
    flag = "true" if translated.prefix else "false"
    return ",".join(flag for _ in translated.query_by)


def _quoted(values: Iterable[str]) -> str:
    return "[" + ",".join("`" + v.replace("`", "") + "`" for v in values) + "]"


def histogram_from_counts(
    histogram: str, facet_counts: Mapping[str, list[tuple[str, int]]]
) -> tuple[str, list[tuple[str, int]]]:
    """(granularity, buckets) from the histogram's facet counts, chosen as
    search.facets.DateEntries.histogram chooses them."""
    fields = HISTOGRAM_FIELDS[histogram]
    intervals = [
        date_interval(v)
        for field in DATE_VALUE_FIELDS[histogram]
        for v, c in facet_counts.get(field, [])
        if c > 0
    ]
    chosen = [iv for iv in intervals if iv is not None and iv[2] < 3]
    if not chosen:
        return "year", []
    lo = min(iv[0] for iv in chosen).toordinal()
    hi = max(iv[1] for iv in chosen).toordinal()
    by_range = 2 if hi - lo > 3 * 366 else 1 if hi - lo > 92 else 0
    granularity = GRANULARITIES[max(by_range, min(iv[2] for iv in chosen))]
    buckets = sorted((v, c) for v, c in facet_counts.get(fields[granularity], []) if c > 0)
    return granularity, buckets


@dataclass(frozen=True)
class _Filters:
    """A request's filter clauses by what they filter, so each facet can leave its own out."""

    text: str
    facets: Mapping[str, str]
    ranges: Mapping[str, str]

    def without(self, name: str | None = None) -> str:
        clauses = [self.text] if self.text else []
        clauses += [c for n, c in self.facets.items() if n != name]
        clauses += [c for n, c in self.ranges.items() if n != name]
        return " && ".join(f"({c})" for c in clauses)


def _range_clause(histogram: str, low: dt.date | None, high: dt.date | None) -> str:
    lo = low.toordinal() if low else 1
    hi = high.toordinal() if high else MAX_ORDINAL
    if histogram == "published":
        return f"date_desc:[{lo}..{hi}]"
    lo_month = _month_key(low) if low else 0
    hi_month = _month_key(high) if high else _month_key(dt.date.max)
    return f"mentioned_days:[{lo}..{hi}] || mentioned_cover:[{lo_month}..{hi_month}]"


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
    def from_settings(cls, settings: Settings) -> TypesenseBackend:
        return cls(
            settings.typesense_node_list,
            settings.typesense_api_key,
            settings.typesense_collection,
            facet_limit=settings.facet_limit,
            snippet_chars=settings.snippet_chars,
        )

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
                    {"filter_by": f"doc_id:={_quoted(chunk)}"}
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
            raw = {label: tuple(record.get(f"{label}_raw") or ()) for label in ENTITY_FACETS}
            shown = names.shown(raw)
            if any(shown[label] != list(record.get(label) or ()) for label in ENTITY_FACETS):
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
                            "filter_by": f"{label}_raw:={_quoted(chunk)}",
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

    def _filters(self, request: SearchRequest, text_filter: str) -> _Filters:
        facets = {name: f"{name}:={_quoted(values)}" for name, values in request.filters if values}
        if request.changes:
            facets["changes"] = f"changes:={_quoted(request.changes)}"
        ranges = {}
        for name in HISTOGRAMS:
            low, high = request.date_range(name)
            if low is not None or high is not None:
                ranges[name] = _range_clause(name, low, high)
        return _Filters(text_filter, facets, ranges)

    def _multi(self, searches: list[dict[str, Any]]) -> list[dict[str, Any]]:
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
        translated = to_typesense(request.q, self._schema)
        if translated.nothing:
            if self._collection_name() is None:
                raise IndexMissing("nothing has been indexed yet")
            return self._empty(request, started)
        filters = self._filters(request, translated.filter_by)
        common = {
            "collection": self.alias,
            "q": translated.q,
            "query_by": ",".join(translated.query_by),
            "prefix": _prefix(translated),
            "num_typos": 0,
            "typo_tokens_threshold": 0,
            "drop_tokens_threshold": 0,
        }
        value_facets = [n for n in FACETS if n not in filters.facets]
        histogram_fields = [
            field
            for name in HISTOGRAMS
            if name not in filters.ranges
            for field in dict.fromkeys(HISTOGRAM_FIELDS[name].values())
        ]
        page: dict[str, Any] = {
            **common,
            "filter_by": filters.without(),
            "page": request.page,
            "per_page": request.per_page,
            "include_fields": HIT_FIELDS,
            # snippets are made from the stored body (make_snippet), not Typesense's
            "highlight_fields": "doc_id",
        }
        sort = request.effective_sort
        if sort == "newest":
            page["sort_by"] = "date_desc:desc"
        elif sort == "oldest":
            page["sort_by"] = "date_asc:asc"
        # facet counts count documents; grouped searches would count stories: with versions
        # collapsed the page is grouped by story and the counts come from an ungrouped search
        # the histograms ask for every bucket, the value facets for their first values: two
        # searches, as Typesense applies one max_facet_values to every facet of a search
        searches = [page]
        facet_plan: list[list[str]] = [value_facets]
        if request.collapsed:
            page.update(group_by="story", group_limit=GROUP_LIMIT)
            searches.append({**common, "filter_by": filters.without(), "per_page": 0})
            facet_plan = [[], value_facets]
        if histogram_fields:
            searches.append({**common, "filter_by": filters.without(), "per_page": 0})
            facet_plan.append(histogram_fields)
        for name in [*filters.facets, *filters.ranges]:
            if name == "changes":
                continue  # counted by change_facet, not among these facets
            fields = (
                [name] if name in FACETS else list(dict.fromkeys(HISTOGRAM_FIELDS[name].values()))
            )
            searches.append({**common, "filter_by": filters.without(name), "per_page": 0})
            facet_plan.append(fields)
        for search, fields in zip(searches, facet_plan, strict=True):
            if fields:
                search["facet_by"] = ",".join(fields)
                search["max_facet_values"] = (
                    HISTOGRAM_DEPTH if any(f not in FACETS for f in fields) else VALUE_FACET_DEPTH
                )
            if not search["filter_by"]:
                del search["filter_by"]
        results = self._multi(searches)
        counts: dict[str, list[tuple[str, int]]] = {}
        totals: dict[str, int] = {}
        for result in results:
            for facet in result.get("facet_counts") or ():
                name = facet["field_name"]
                counts[name] = sorted(
                    ((v["value"], int(v["count"])) for v in facet["counts"]),
                    key=lambda pair: (-pair[1], pair[0]),
                )
                stats = facet.get("stats") or {}
                totals[name] = int(stats.get("total_values", len(counts[name])))
        if request.collapsed:
            total, stories = int(results[1]["found"]), int(results[0]["found"])
            groups = [g["hits"] for g in results[0].get("grouped_hits") or ()]
        else:
            total = stories = int(results[0]["found"])
            groups = [[h] for h in results[0]["hits"]]
        hits = tuple(self._hit(group, translated, request) for group in groups if group)
        from search.service import histogram_facet, value_facet

        facets: tuple[Facet, ...] = tuple(
            value_facet(
                name,
                counts.get(name, []),
                request,
                self.facet_limit,
                totals.get(name, len(counts.get(name, []))),
            )
            for name in FACETS
        )
        facets += tuple(
            histogram_facet(name, *histogram_from_counts(name, counts), request)
            for name in HISTOGRAMS
        )
        return SearchResponse(
            request=request,
            total=total,
            hits=hits,
            facets=facets,
            took_ms=(time.perf_counter() - started) * 1000,
            stories=stories,
        )

    def facet_counts(
        self, request: SearchRequest, name: str, limit: int, *, disjunctive: bool = True
    ) -> tuple[list[tuple[str, int]], int]:
        """One facet's (value, count) pairs, most first, and how many values it has; without
        its own filter when `disjunctive` (as search shows it), with it otherwise."""
        translated = to_typesense(request.q, self._schema)
        if translated.nothing:
            return [], 0
        filters = self._filters(request, translated.filter_by)
        search: dict[str, Any] = {
            "collection": self.alias,
            "q": translated.q,
            "query_by": ",".join(translated.query_by),
            "prefix": ",".join(
                "true" if translated.prefix else "false" for _ in translated.query_by
            ),
            "num_typos": 0,
            "typo_tokens_threshold": 0,
            "drop_tokens_threshold": 0,
            "per_page": 0,
            "facet_by": name,
            "max_facet_values": max(limit, VALUE_FACET_DEPTH),
        }
        clause = filters.without(name) if disjunctive else filters.without()
        if clause:
            search["filter_by"] = clause
        result = self._multi([search])[0]
        for facet in result.get("facet_counts") or ():
            pairs = sorted(
                ((v["value"], int(v["count"])) for v in facet["counts"]),
                key=lambda pair: (-pair[1], pair[0]),
            )
            return pairs, int((facet.get("stats") or {}).get("total_values", len(pairs)))
        return [], 0

    def key_terms(self, text: str, count: int = 15, candidates: int = 40) -> dict[str, float]:
        """The words that best characterise a text: its most frequent analysed words,
        weighted by how rare they are in the collection (tf·idf, document frequencies asked
        of Typesense in one multi-search), as Whoosh's key_terms_from_text does."""
        frequency: dict[str, int] = {}
        for word in analysed(text).split():
            if len(word) > 2 and not word.isdigit():
                frequency[word] = frequency.get(word, 0) + 1
        top = sorted(frequency, key=lambda w: (-frequency[w], w))[:candidates]
        if not top:
            return {}
        searches = [
            {
                "collection": self.alias,
                "q": "*",
                "filter_by": f"body_terms:[{_quoted([word])[1:-1]}]",
                "per_page": 0,
            }
            for word in top
        ]
        results = self._multi(searches)
        total = max(1, self.count())
        weight = {
            word: frequency[word] * math.log(total / (1 + int(result.get("found", 0))) + 1)
            for word, result in zip(top, results, strict=True)
        }
        return {w: weight[w] for w in sorted(weight, key=lambda w: (-weight[w], w))[:count]}

    def more_like(self, doc_id: str, top: int = 30) -> list[tuple[Document, list[str]]]:
        """Documents sharing this one's key terms, best first, each with the key terms its
        body holds; the document itself left out. Typesense 0.24 has no more-like-this: one
        search per key term (its best `top` documents) in one multi-search, and a document
        scores the tf·idf weights of the terms whose lists it is in.

        Raises:
            IndexMissing: nothing has been indexed yet.
        """
        record = self.get(doc_id)
        if record is None:
            return []
        weights = self.key_terms(record.body or record.title)
        if not weights:
            return []
        terms = list(weights)
        lists = self._multi(
            [
                {
                    "collection": self.alias,
                    "q": term,
                    "query_by": "body_terms",
                    "num_typos": 0,
                    "prefix": "false",
                    "drop_tokens_threshold": 0,
                    "typo_tokens_threshold": 0,
                    "filter_by": f"doc_id:!={_quoted([doc_id])}",
                    "per_page": top,
                    "include_fields": "doc_id",
                    "highlight_fields": "doc_id",
                }
                for term in terms
            ]
        )
        score: dict[str, float] = {}
        shared: dict[str, list[str]] = {}
        for term, found in zip(terms, lists, strict=True):
            for hit in found.get("hits") or ():
                other = hit["document"]["doc_id"]
                score[other] = score.get(other, 0.0) + weights[term]
                shared.setdefault(other, []).append(term)
        best = sorted(score, key=lambda d: (-score[d], d))[:top]
        if not best:
            return []
        fetched = self._multi(
            [
                {
                    "collection": self.alias,
                    "q": "*",
                    "filter_by": f"doc_id:={_quoted(best)}",
                    "per_page": len(best),
                    "exclude_fields": "title_terms,body_terms",
                }
            ]
        )[0]
        documents = {h["document"]["doc_id"]: from_record(h["document"]) for h in fetched["hits"]}
        return [(documents[d], shared[d]) for d in best if d in documents]

    def _hit(
        self,
        group: list[Mapping[str, Any]],
        translated: TypesenseQuery,
        request: SearchRequest,
    ) -> Hit:
        """A hit from the best matching version of a story and the others that match."""
        from search.service import make_snippet

        found = group[0]
        record = found["document"]
        matching = {h["document"]["doc_id"] for h in group}
        version_ids = tuple(m for m in self.stories.versions(record["doc_id"]) if m in matching)
        matched = set(translated.words)
        if translated.prefixes:
            # the words of this body a trailing word* matched (as Whoosh expands it)
            matched.update(
                word
                for word in analysed(record.get("body", "")).split()
                if word.startswith(tuple(translated.prefixes))
            )
        ordinal = int(record.get("date_desc") or 0)
        score = found.get("text_match")
        return Hit(
            doc_id=record["doc_id"],
            title=record.get("title") or "(untitled)",
            url=record.get("url", ""),
            source=record.get("source", ""),
            date=dt.date.fromordinal(ordinal) if ordinal else None,
            date_precision=found_day[1]
            if (found_day := parse_iso_at(record.get("day")))
            else "day",
            snippet=make_snippet(
                record.get("body", ""),
                frozenset(matched) if request.q else frozenset(),
                self.snippet_chars,
            ),
            score=float(score)
            if score is not None and request.q and request.effective_sort == "relevance"
            else None,
            people=tuple(record.get("person") or ()),
            orgs=tuple(record.get("org") or ()),
            places=tuple(record.get("place") or ()),
            language=record.get("language") or "",
            story_id=self.stories.story(record["doc_id"]),
            versions=len(version_ids) or 1,
            version_ids=version_ids or (record["doc_id"],),
        )

    def _empty(self, request: SearchRequest, started: float) -> SearchResponse:
        from search.service import histogram_facet, value_facet

        facets = tuple(value_facet(n, [], request, self.facet_limit) for n in FACETS)
        facets += tuple(histogram_facet(n, "year", [], request) for n in HISTOGRAMS)
        return SearchResponse(
            request=request,
            total=0,
            hits=(),
            facets=facets,
            took_ms=(time.perf_counter() - started) * 1000,
            stories=0,
        )
