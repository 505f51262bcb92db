"""Screenshots of the main pages at laptop and phone width, light and dark, for a person to look at.

    python bench/screens.py HOME [--out bench/out/screens] [--tag NAME] [--path /...]...

Serves HOME (an ingested docsift home, e.g. bench/out/duplicates-home after
bench/duplicates.py) on 127.0.0.1 and saves full-page PNGs of the start page, a search, a
document, an entity, a facet page and a comparison (when the archive has story versions) at
1280 and 390 px in light and dark mode. Prints each file with the page's scroll width, so a
sideways scroll shows in the listing too. Needs Debian's chromium and Playwright.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import threading
from pathlib import Path

from common import ROOT
from werkzeug.serving import make_server

from search.settings import load_settings  # noqa: E402
from web import create_app  # noqa: E402


def default_paths(base: str, page) -> list[tuple[str, str]]:  # noqa: ANN001
    """Pages worth a look, found from the archive itself (first hit, its first entity...)."""
    paths = [("start", "/"), ("search", "/?q=government")]
    api = page.request.get(base + "/api/search?q=government&per_page=5").json()
    if api.get("hits"):
        paths.append(("document", f"/documents/{api['hits'][0]['id']}?q=government"))
    people = api.get("facets", {}).get("person", [])
    people = people.get("values", []) if isinstance(people, dict) else people
    if people:
        paths.append(("entity", f"/entity/person/{people[0]['value']}"))
    paths.append(("facet", "/facets/person"))
    paths.append(("bad-query", "/?q=%22unclosed&sort=newest"))
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("home")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "screens"))
    parser.add_argument("--tag", default="", help="prefix for the file names (before/after)")
    parser.add_argument("--path", action="append", default=[], help="extra page, name=/path")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    app = create_app(load_settings(environ={}, home=Path(args.home)))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=shutil.which("chromium"), args=["--no-sandbox", "--headless"]
            )
            probe = browser.new_page()
            paths = default_paths(base, probe) + [
                tuple(p.split("=", 1))
                for p in args.path  # type: ignore[misc]
            ]
            probe.close()
            for scheme in ("light", "dark"):
                for width, height in ((1280, 900), (390, 844)):
                    context = browser.new_context(
                        viewport={"width": width, "height": height},
                        color_scheme=scheme,
                        is_mobile=width < 600,
                    )
                    page = context.new_page()
                    for name, path in paths:
                        page.goto(base + path)
                        scroll = page.evaluate("document.documentElement.scrollWidth")
                        tall = page.evaluate("document.documentElement.scrollHeight")
                        file = out / f"{args.tag}{name}-{width}-{scheme}.png"
                        page.screenshot(path=str(file), full_page=tall < 6000)
                        print(f"{file}  scroll width {scroll} px in {width}, height {tall} px")
                    context.close()
            browser.close()
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
