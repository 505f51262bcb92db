"""The `docsift` command line through its real entry point."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from indexer.cli import ExitStatus, main
from indexer.cli.serve import default_workers

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "news"


def docsift(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_search_stats_reindex_round_trip(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    code, out, _ = docsift(capsys, "--home", str(home), "ingest", str(SAMPLES))
    assert code == ExitStatus.OK
    assert "35 added" in out and "0 errors" in out
    code, out, _ = docsift(capsys, "--home", str(home), "search", "Okafor", "--json")
    data = json.loads(out)
    assert code == 0 and data["total"] >= 4
    assert all("<mark" in hit["snippet"] for hit in data["hits"])
    code, out, _ = docsift(capsys, "--home", str(home), "search", "strike", "--sort", "oldest")
    assert code == 0 and "documents" in out and "1. " in out
    code, out, _ = docsift(capsys, "--home", str(home), "stats", "--json")
    assert json.loads(out)["store"]["documents"] == 35
    code, out, _ = docsift(capsys, "--home", str(home), "reindex")
    assert code == 0 and "reindexed 35 documents" in out
    code, out, _ = docsift(capsys, "--home", str(home), "search", "Okafor", "--json")
    assert json.loads(out)["total"] == data["total"]


def test_search_filters_by_file_type_and_folder(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    docsift(capsys, "--home", str(home), "ingest", str(SAMPLES))
    city = str(SAMPLES.resolve() / "city")
    in_city = len(list((SAMPLES / "city").iterdir()))
    html_in_city = len(list((SAMPLES / "city").glob("*.html")))
    code, out, _ = docsift(capsys, "--home", str(home), "search", "--origin", city, "--json")
    assert code == 0 and json.loads(out)["total"] == in_city
    facet = {v["value"]: v["count"] for v in json.loads(out)["facets"]["filetype"]}
    assert facet["Web page"] == html_in_city and facet["Text"] == in_city - html_in_city
    code, out, _ = docsift(
        capsys, "--home", str(home), "search", "--origin", city, "--filetype", "Web page", "--json"
    )
    assert json.loads(out)["total"] == html_in_city


def test_if_empty_skips_a_populated_home(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    docsift(capsys, "--home", str(home), "ingest", str(SAMPLES / "sport"))
    code, out, _ = docsift(capsys, "--home", str(home), "ingest", "--if-empty", str(SAMPLES))
    assert code == 0 and "nothing to ingest" in out


def test_failed_documents_give_exit_status_3(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    export = tmp_path / "bad.jsonl"
    export.write_text('{"id": "1", "text": "fine text here"}\n{broken\n', encoding="utf-8")
    code, out, err = docsift(capsys, "--home", str(home), "ingest", str(export))
    assert code == ExitStatus.PARTIAL
    assert "1 added" in out and "invalid JSON" in err


def test_bad_query_is_a_one_line_error_not_a_traceback(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    docsift(capsys, "--home", str(home), "ingest", str(SAMPLES / "sport"))
    code, out, err = docsift(capsys, "--home", str(home), "search", '"unclosed')
    assert code == ExitStatus.USAGE
    assert err.startswith("docsift: bad query: unbalanced quotes") and "Traceback" not in err
    code, _, err = docsift(capsys, "--home", str(home), "search", "x", "--from", "soon")
    assert code == ExitStatus.USAGE and "parameter from" in err


def test_search_before_any_ingest_says_what_to_do(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    code, _, err = docsift(capsys, "--home", str(home), "search", "anything")
    assert code == ExitStatus.ERROR
    assert "docsift ingest" in err and "Traceback" not in err


def test_installed_console_script_runs(home: Path) -> None:
    script = Path(sys.executable).with_name("docsift")
    result = subprocess.run(
        [str(script), "--home", str(home), "stats"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "index:     none yet" in result.stdout


# -- serve ----------------------------------------------------------------------------------


class FakeServer:
    """Stands in for werkzeug's server and gunicorn: records where it would listen and how,
    serves nothing."""

    def __init__(self, host: str, port: int, app: object, **kw: object) -> None:
        self.host, self.server_port, self.app = host, port or 54321, app
        self.workers = kw.get("workers")  # None: werkzeug's (--dev)

    def serve_forever(self) -> None:
        return None

    def server_close(self) -> None:
        return None


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch) -> list[FakeServer]:
    started: list[FakeServer] = []

    def make_server(host: str, port: int, app: object, **kw: object) -> FakeServer:
        started.append(FakeServer(host, port, app, **kw))
        return started[-1]

    class FakeSocket:
        def __init__(self, host: str, port: int) -> None:
            self.address = (host, port or 54321)

        def getsockname(self) -> tuple[str, int]:
            return self.address

    def run_production(
        make_app: Callable[[], object], sock: FakeSocket, *, workers: int, **_: object
    ) -> None:
        started.append(FakeServer(*sock.address, make_app(), workers=workers))

    monkeypatch.setattr("werkzeug.serving.make_server", make_server)
    monkeypatch.setattr("web.production.listen", FakeSocket)
    monkeypatch.setattr("web.production.run_production", run_production)
    monkeypatch.delenv("DOCSIFT_TOKEN", raising=False)
    return started


def test_serve_runs_gunicorn_on_every_core_unless_told(
    capsys: pytest.CaptureFixture[str], home: Path, fake_server: list[FakeServer]
) -> None:
    assert docsift(capsys, "--home", str(home), "serve")[0] == ExitStatus.OK
    assert docsift(capsys, "--home", str(home), "serve", "--workers", "3")[0] == ExitStatus.OK
    code, _, err = docsift(capsys, "--home", str(home), "serve", "--dev")
    assert code == ExitStatus.OK
    assert [s.workers for s in fake_server] == [default_workers(), 3, None]
    assert default_workers() == len(os.sched_getaffinity(0))  # Linux: the cores we may use
    assert "--dev" in err
    code, _, err = docsift(capsys, "--home", str(home), "serve", "--workers", "0")
    assert code == ExitStatus.USAGE and "--workers" in err


def test_serve_binds_loopback_by_default(
    capsys: pytest.CaptureFixture[str], home: Path, fake_server: list[FakeServer]
) -> None:
    code, out, err = docsift(capsys, "--home", str(home), "serve", "--port", "0")

    assert code == ExitStatus.OK
    assert [s.host for s in fake_server] == ["127.0.0.1"]
    assert out.splitlines()[0] == "http://127.0.0.1:54321/"
    assert "warning" not in err


@pytest.mark.parametrize(
    "host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "fe80::1", "example.org", "myhost"]
)
def test_serve_refuses_a_public_host_without_public(
    capsys: pytest.CaptureFixture[str], home: Path, fake_server: list[FakeServer], host: str
) -> None:
    code, out, err = docsift(capsys, "--home", str(home), "serve", "--host", host)

    assert code == ExitStatus.USAGE == 2
    assert not fake_server and not out
    assert "'--host'" in err and "not a loopback address" in err and "--public" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_serve_accepts_loopback_hosts(
    capsys: pytest.CaptureFixture[str], home: Path, fake_server: list[FakeServer], host: str
) -> None:
    code, _, err = docsift(capsys, "--home", str(home), "serve", "--host", host, "--port", "0")

    assert code == ExitStatus.OK, err
    assert len(fake_server) == 1


def test_serve_public_warns_that_there_is_no_authentication(
    capsys: pytest.CaptureFixture[str], home: Path, fake_server: list[FakeServer]
) -> None:
    code, out, err = docsift(
        capsys, "--home", str(home), "serve", "--host", "0.0.0.0", "--port", "0", "--public"
    )

    assert code == ExitStatus.OK
    assert [s.host for s in fake_server] == ["0.0.0.0"]
    assert out.splitlines()[0] == "http://0.0.0.0:54321/"  # still the first line
    assert "warning" in err and "no authentication" in err and "DOCSIFT_TOKEN" in err


def test_serve_public_with_a_token_requires_it(
    capsys: pytest.CaptureFixture[str],
    home: Path,
    fake_server: list[FakeServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOCSIFT_TOKEN", "a-long-random-token")

    code, _, err = docsift(capsys, "--home", str(home), "serve", "--host", "::", "--public")

    assert code == ExitStatus.OK
    assert "no authentication" not in err and "a-long-random-token" not in err
    client = fake_server[0].app.test_client()  # type: ignore[attr-defined]
    assert client.get("/api/search").status_code == 401
    assert client.get("/healthz").status_code == 200


def test_serve_refusal_through_the_console_script(home: Path) -> None:
    script = Path(sys.executable).with_name("docsift")
    result = subprocess.run(
        [str(script), "--home", str(home), "serve", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "not a loopback address" in result.stderr and not result.stdout


def test_python_dash_m_knows_every_command() -> None:
    """`python -m indexer.cli` is the same CLI as `docsift`, cluster commands included."""
    done = subprocess.run(
        [sys.executable, "-m", "indexer.cli", "cluster", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == ExitStatus.OK, done.stderr
    assert all(word in done.stdout for word in ("start", "status", "stop"))


def test_aliases_list_is_one_line_per_name_without_label_votes(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    from indexer.store import AliasRow, DocumentStore

    home.mkdir(parents=True, exist_ok=True)
    votes = [
        AliasRow("org", f"Club {n:03d}", f"Club {n:03d}", "label-vote", False) for n in range(40)
    ]
    with DocumentStore(home / "docsift.db") as store:
        store.replace_auto_aliases(
            [
                AliasRow("person", "Zelenskiy", "Volodymyr Zelensky", "surname", False),
                AliasRow("person", "Volodymyr Zelenskyy", "Volodymyr Zelensky", "fuzzy", False),
                *votes,
            ]
        )

    code, out, _ = docsift(capsys, "--home", str(home), "aliases", "list")
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == (
        "person  Volodymyr Zelensky  <- Volodymyr Zelenskyy, Zelenskiy  (fuzzy, surname)"
    )
    assert not any("Club 0" in line for line in lines)  # no "X -> X (label-vote)" lines
    assert lines[-1] == "(40 names filed under their label by vote are not listed: --all)"
    assert len(lines) == 2

    code, out, _ = docsift(capsys, "--home", str(home), "aliases", "list", "--all", "--limit", "5")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 6
    assert lines[-1] == "… and 36 more (--limit 0 lists them all)"
    code, out, _ = docsift(capsys, "--home", str(home), "aliases", "list", "--json")
    assert len(json.loads(out)["aliases"]) == 42  # the JSON keeps every row


def test_stats_of_an_undated_archive_says_so_and_a_dated_one_gives_its_range(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "memo.txt").write_text("Memo\n\nThe archive has no date anywhere.\n", "utf-8")
    assert docsift(capsys, "--home", str(home), "ingest", "--no-entities", str(notes))[0] == 0

    code, out, _ = docsift(capsys, "--home", str(home), "stats")
    store_line = next(line for line in out.splitlines() if line.startswith("store:"))
    assert code == 0
    assert store_line.endswith("no publication dates"), store_line
    assert "- .. -" not in out

    docsift(capsys, "--home", str(home), "ingest", "--no-entities", str(SAMPLES / "sport"))
    out = docsift(capsys, "--home", str(home), "stats")[1]
    store_line = next(line for line in out.splitlines() if line.startswith("store:"))
    assert re.search(r"dated \d{4}-\d\d-\d\d \.\. \d{4}-\d\d-\d\d$", store_line), store_line
