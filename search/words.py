"""Closed word classes that both halves read (months, weekdays, speech verbs).

They live in search/ because indexer/ may import search/ but never the reverse, so this is the
one place both the extractors and the version comparison can take them from.
"""

# calendar order: a month's number is its index + 1
MONTHS: tuple[str, ...] = tuple(
    "january february march april may june july august september october november december".split()
)
# date.weekday() order: Monday is 0
WEEKDAYS: tuple[str, ...] = tuple(
    "monday tuesday wednesday thursday friday saturday sunday".split()
)
# verbs and phrases that attribute a quote to a speaker ("..., she said"; "according to"),
# each written out in full (no regex syntax) so callers can join them into an alternation
SPEECH_VERBS: tuple[str, ...] = (
    *"""said says say saying told tells telling added adds adding warned warns warning stated
    states stating declared declares declaring insisted insists insisting argued argues arguing
    explained explains explaining noted notes noting emphasised emphasized emphasises emphasizes
    emphasising emphasizing stressed stresses stressing claimed claims claiming asked asks
    replied replies wrote writes recalled continued urged announced admitted admits confirmed
    acknowledged commented remarked observed suggested reiterated maintained conceded predicted
    promised pledged vowed cautioned complained responded countered concluded asserted
    asserting underscored highlighted""".split(),
    "pointed out",
    "according to",
    *"""quoted quoting tweeted posted joked boasted believes thinks described announcing
    conceding""".split(),
)
