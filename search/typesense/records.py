"""Documents as Typesense records and back: the fields Whoosh indexes, the analysed words
(Typesense 0.24 does not stem), shown and raw names, story keys and date buckets."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from search.analysis import NewsAnalyzer
from search.documents import ENTITY_LABELS, Document, meta_fields, split_values
from search.facets import date_interval
from search.names import WEAK, NameTable
from search.schema import build_schema
from search.stories import StoryTable

NO_DATE_ASC = 10**8  # sorts undated documents last for "oldest", as Whoosh does


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
            *(f(label, "string[]", facet=True, optional=True) for label in ENTITY_LABELS),
            *(f(f"{label}_raw", "string[]", optional=True) for label in ENTITY_LABELS),
            f("language", "string", facet=True, optional=True),
            f("filetype", "string", facet=True, optional=True),
            f("origin", "string", facet=True, optional=True),
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
    """The words Whoosh indexes for a title or body (stems, stop words out), space-joined."""
    return " ".join(token.text for token in _ANALYZER(text))


def month_key(day: dt.date) -> int:
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
    affected: dict[str, set[str]] = {label: set() for label in ENTITY_LABELS}
    for value in candidates:
        for raw in (value, WEAK + value):
            for label in ENTITY_LABELS:
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
    raw = {label: split_values(fields.get(label)) for label in ENTITY_LABELS}
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
    for name in ("language", "filetype", "origin"):
        if fields.get(name):
            record[name] = fields[name]
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
    days: set[str] = set()
    months: set[str] = set()
    years: set[str] = set()
    months_only: set[str] = set()
    years_only: set[str] = set()
    ordinals: set[int] = set()
    cover: set[int] = set()
    for value in mentioned:
        interval = date_interval(value)
        if interval is None:
            continue
        start, end, precision = interval
        if precision == 0:
            days.add(value)
            ordinals.add(start.toordinal())
        else:
            cover.update(range(month_key(start), month_key(end) + 1))
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
