"""The Typesense backend's collections and writes (a mixin of TypesenseBackend,
search/typesense/backend.py, which owns the client and the reads): the cluster settling, the
collection behind the alias, imports retried through leader elections, rebuilds that swap the
alias, and rewriting the records whose names or stories changed."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from search.documents import ENTITY_LABELS, Document
from search.errors import (
    IndexUnavailable,
)
from search.names import NameTable
from search.stories import StoryTable
from search.typesense.plan import (
    quoted,
)
from search.typesense.records import changed_raw_values, collection_schema, to_record

logger = logging.getLogger(__name__)

BATCH = 500


class CollectionWrites:
    """Writes to the collection behind the alias; TypesenseBackend sets these attributes."""

    nodes: list[tuple[str, int]]
    alias: str
    write_timeout_s: float
    stories: StoryTable
    client: Any
    _exceptions: Any
    _api_key: str

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
        self._until_every_node(lambda node: node.collections[name].retrieve() is not None)
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
        self._until_every_node(
            lambda node: node.aliases[self.alias].retrieve().get("collection_name") == collection,
            timeout_s,
        )

    def _until_every_node(self, settled: Callable[[Any], bool], timeout_s: float = 30.0) -> None:
        """Poll until `settled(node client)` holds on every reachable node, or the time is up:
        a write goes to one node and reaches the others a moment later. A node that does not
        know the object yet is not settled; a node that is down or starting is left out."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            behind = False
            for host, port in self.nodes:
                try:
                    behind |= not settled(self.node_client(host, port))
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
