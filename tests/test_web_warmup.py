"""The warm-up thread every serving process runs (web/warmup.py): a new index generation or
commit is searched once by the thread, so the first user search after it finds everything
built, and a process keeps answering from the new generation without a restart."""

from __future__ import annotations

import time
from pathlib import Path

from search.documents import Document
from search.index import rebuild_index, write_documents
from search.names import NameTable
from search.query import parse_request
from search.service import SearchService
from search.settings import Settings
from web.warmup import GenerationWatcher, index_stamp


def _doc(doc_id: str, body: str) -> Document:
    return Document(doc_id=doc_id, title=f"Story {doc_id}", body=body)


def _wait(condition: object, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the watcher did not get there in time"
        time.sleep(0.02)


def test_watcher_warms_each_new_generation_and_commit(home: Path) -> None:
    settings = Settings(home=home)
    link = settings.index_dir
    service = SearchService.from_settings(settings)
    watcher = GenerationWatcher(service, poll_s=0.05)
    watcher.start()
    try:
        time.sleep(0.2)
        assert watcher.warmed is None  # nothing ingested yet: nothing to warm, no crash
        write_documents(link, [_doc("a", "The ferry strike ended.")])
        _wait(lambda: watcher.warmed == index_stamp(link))
        first = watcher.warmed
        # the browse the watcher ran is cached under the current state: a user's is a hit
        hits = service.backend.result_cache.stats().hits
        assert service.search(parse_request({})).total == 1
        assert service.backend.result_cache.stats().hits == hits + 1

        write_documents(link, [_doc("b", "A storm closed the harbour.")])  # a new commit
        _wait(lambda: watcher.warmed not in (None, first))
        second = watcher.warmed
        assert second is not None and second[0] == first[0]  # same generation, newer commit

        rebuild_index(link, [_doc("c", "Harbour reopens.")], names=NameTable())  # a reindex
        _wait(lambda: watcher.warmed is not None and watcher.warmed[0] != first[0])
        assert service.search(parse_request({"q": "harbour"})).total == 1
        assert service.search(parse_request({"q": "ferry"})).total == 0
    finally:
        watcher.stop()
        watcher.join(5)
    assert not watcher.is_alive()
