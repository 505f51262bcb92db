"""Name variants in the search box (search.variants): a surname stands for its merged
spellings, a word that ends many names (a company suffix) stands only for itself."""

from __future__ import annotations

from search.names import NameTable
from search.query import to_whoosh
from search.schema import build_schema
from search.variants import MAX_NAMES_PER_LAST_WORD, build_variants, expand

COMPANIES = [f"Company{chr(65 + i)}" for i in range(MAX_NAMES_PER_LAST_WORD + 1)]
NAMES = NameTable(
    aliases={
        "person": {
            "Zelensky": "Volodymyr Zelenskiy",
            "Volodymyr Zelensky": "Volodymyr Zelenskiy",
        },
        # more merged companies end in Inc/Corp than a surname ends names
        "org": {f"{name} Inc": f"{name} Corp" for name in COMPANIES},
    }
)


def _expanded(q: str) -> tuple[str, tuple[str, ...]]:
    query, added = expand(to_whoosh(q, build_schema()), build_variants(NAMES, {}))
    return repr(query), added


def test_a_surname_searches_every_merged_spelling() -> None:
    query, added = _expanded("Zelensky")
    assert "Zelenskiy" in added
    assert "zelenskii" in query  # the stem of Zelenskiy


def test_a_company_suffix_is_searched_as_written() -> None:
    for q in ("Inc", "inc", "corp"):
        query, added = _expanded(q)
        assert added == (), q
        assert "corp" not in query.lower() or q == "corp", query
        assert "inc" not in query.lower() or q.lower() == "inc", query


def test_a_full_company_name_still_finds_its_other_spelling() -> None:
    query, added = _expanded('"CompanyA Inc"')
    assert added == ("CompanyA Corp",)
