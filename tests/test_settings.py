"""Settings: precedence, validation, and that every setting is documented in the README."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.errors import ConfigError
from search.settings import load_settings, settings_fields

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [f.name for f in settings_fields() if f"| `{f.name}` |" not in readme]
    assert not missing


def test_flags_beat_environment_beat_file(tmp_path: Path) -> None:
    config = tmp_path / "docsift.toml"
    config.write_text('page_size = 20\nfacet_limit = 7\nhome = "from-file"\n')
    environ = {"DOCSIFT_PAGE_SIZE": "30", "DOCSIFT_HOME": "from-env"}
    settings = load_settings(config, environ, home="from-flag")
    assert (settings.page_size, settings.facet_limit, settings.home) == (30, 7, Path("from-flag"))


def test_every_bad_key_is_reported_at_once(tmp_path: Path) -> None:
    config = tmp_path / "docsift.toml"
    config.write_text('page_sise = 20\nfacet_limit = "many"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(config, {"DOCSIFT_MAX_PAGE_SIZE": "0"})
    message = str(info.value)
    assert "page_sise: unknown setting" in message
    assert "facet_limit" in message and "max_page_size" in message


def test_every_out_of_range_number_is_reported_and_zero_is_allowed_where_it_means_none() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(
            None,
            {},
            page_size=0,
            crawl_max_attempts=0,
            query_timeout_s=0,
            crawl_delay_s=-1.0,
            crawl_max_depth=-2,
        )
    assert str(info.value) == "bad settings: " + "; ".join(
        [
            "page_size: must be at least 1, got 0",
            "crawl_max_attempts: must be at least 1, got 0",
            "query_timeout_s: must be more than 0, got 0.0",
            "crawl_delay_s: must not be negative, got -1.0",
            "crawl_max_depth: must not be negative, got -2",
        ]
    )
    settings = load_settings(None, {}, crawl_delay_s=0.0, crawl_max_depth=0)
    assert (settings.crawl_delay_s, settings.crawl_max_depth) == (0.0, 0)
