"""A small real home with known versions of stories: ingested .txt files, no NER.

Story "ferry" has three versions (two small edits and an exact copy), story "bridge" two;
four other documents stand alone. Every document mentions the harbour, so one query matches all.
"""

from __future__ import annotations

from pathlib import Path

from indexer.pipeline import Pipeline
from indexer.store import DocumentStore
from search.settings import Settings

FERRY = (
    "The harbour ferry service to Gull Island will resume on Monday after a six week pause "
    "caused by damage to the northern landing stage, the operator confirmed yesterday. "
    "Engineers replaced twelve timber piles and rebuilt the ramp, and the first crossing "
    "leaves the harbour steps at seven in the morning. Season tickets bought before the "
    "closure will be extended by six weeks, and the timetable for the summer adds two "
    "evening sailings on Fridays and Saturdays for visitors to the island festival."
)
BRIDGE = (
    "The old swing bridge across the harbour mouth failed its annual inspection and will "
    "stay closed to lorries until the council finds money for new bearings, officials said. "
    "Cars and bicycles may still cross at walking pace while a temporary weight limit of "
    "three tonnes applies. The council estimates the repair at four hundred thousand pounds "
    "and has asked the regional transport fund for help, warning that delivery firms face "
    "a diversion of eleven miles through the industrial estate in the meantime."
)
SINGLES = {
    "market": (
        "Harbour market traders",
        "Traders at the harbour fish market voted to keep Sunday opening after a trial that "
        "doubled visitor numbers, although several stallholders complained about parking and "
        "the cost of extra staff. The market committee will review the arrangement in spring "
        "and publish figures on takings, footfall and waste collected from the quayside.",
    ),
    "regatta": (
        "Regatta returns to the harbour",
        "The harbour regatta returns in August with forty crews entered for the rowing races "
        "and a new class for junior sailors aged under fourteen. Organisers said spectators "
        "should arrive early because the promenade will close to traffic from noon, and a "
        "shuttle bus will run from the railway station every fifteen minutes all afternoon.",
    ),
    "lighthouse": (
        "Lighthouse keeper's cottage for sale",
        "The keeper's cottage beside the harbour lighthouse has been put up for sale by the "
        "trust that restored it, with offers invited above three hundred thousand pounds. "
        "The buyer must allow public access to the lighthouse gallery on twelve open days each "
        "year and keep the original lamp room, which the trust says is the last of its kind.",
    ),
    "dredging": (
        "Dredging begins in the outer harbour",
        "A dredger began clearing silt from the outer harbour channel on Tuesday so that larger "
        "cargo vessels can berth at the grain terminal at low tide. The work will last nine "
        "weeks and the spoil will be taken offshore to a licensed site; anglers have been asked "
        "to avoid the breakwater while the pipeline is in place across the channel entrance.",
    ),
}


def write_corpus(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    files = {
        "ferry-a.txt": ("Harbour ferry to Gull Island resumes", FERRY),
        "ferry-b.txt": (
            "Gull Island ferry back on Monday",
            FERRY.replace("six week pause", "six-week pause").replace("yesterday", "on Friday"),
        ),
        "ferry-c.txt": ("Ferry to Gull Island resumes Monday", FERRY),
        "bridge-a.txt": ("Swing bridge closed to lorries", BRIDGE),
        "bridge-b.txt": (
            "Harbour swing bridge fails inspection",
            BRIDGE.replace("officials said", "council officers said"),
        ),
        **{f"{name}.txt": text for name, text in SINGLES.items()},
    }
    for name, (title, body) in files.items():
        (root / name).write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    return root


RELATED_TITLE = "Island festival adds ferry sailings"


def write_related_story(root: Path) -> Path:
    """Another story about the Gull Island ferry, not a rewrite of it: related, not a version."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "festival.txt").write_text(
        f"{RELATED_TITLE}\n\nThe Gull Island festival will run extra ferry sailings from the "
        "harbour steps on Friday and Saturday evenings, the organisers said, with season "
        "tickets valid on every crossing. Stalls, music and a lantern parade fill the island "
        "green, and the last ferry back leaves at eleven at night.\n",
        encoding="utf-8",
    )
    return root


def ingest(settings: Settings, *targets: Path) -> None:
    with DocumentStore(settings.db_path) as store:
        report = Pipeline(settings, store).run([str(t) for t in targets])
    assert report.ok, report.errors


def build_home(tmp_path: Path) -> Settings:
    settings = Settings(home=tmp_path / "home")
    ingest(settings, write_corpus(tmp_path / "corpus"))
    return settings
