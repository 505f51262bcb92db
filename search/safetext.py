"""Text that is safe to keep and to show: valid Unicode, and control characters made visible.

Python strings can hold lone surrogates (a JSON `"\\udfff"` escape, an undecodable argv byte),
which every later encode - SQLite, Whoosh, a hash, a terminal - refuses with an exception. So
text is made valid where it enters docsift (a JSONL record, JSON-LD, a query), once, and no
stage behind that edge has to care. `printable` is for the other direction: names written by a
stranger (a file name with a newline, a title with an escape sequence) printed to a terminal
must not forge lines or move the cursor.
"""

from __future__ import annotations

import re
from typing import Any

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 and C1 controls, DEL, the line and paragraph separators and the bidirectional overrides
# (which reorder what a terminal shows)
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def valid_text(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD (a well-formed pair in a Python str
    is already one code point, so any surrogate left is lone)."""
    if _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub(REPLACEMENT, text)


def valid_values(record: dict[Any, Any]) -> dict[Any, Any]:
    """A JSON object with its keys and top-level string values made valid (nested values are
    left alone: no field docsift reads is nested, and walking them would recurse)."""
    return {
        (valid_text(key) if isinstance(key, str) else key): (
            valid_text(value) if isinstance(value, str) else value
        )
        for key, value in record.items()
    }


def valid_json(data: Any, depth: int = 0, max_depth: int = 50) -> Any:
    """Every string of a parsed JSON value made valid, to `max_depth` levels (deeper values
    are dropped: JSON-LD that deep holds nothing docsift reads)."""
    if isinstance(data, str):
        return valid_text(data)
    if depth >= max_depth:
        return None
    if isinstance(data, list):
        return [valid_json(item, depth + 1, max_depth) for item in data]
    if isinstance(data, dict):
        return {
            valid_text(str(key)): valid_json(value, depth + 1, max_depth)
            for key, value in data.items()
        }
    return data


def printable(text: str) -> str:
    """`text` for one line of terminal output: control characters shown as escapes (\\n,
    \\x1b, \\u202e), lone surrogates as U+FFFD."""
    text = valid_text(text)
    if _UNPRINTABLE.search(text) is None:
        return text
    return _UNPRINTABLE.sub(lambda m: _escape(m.group()), text)


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
