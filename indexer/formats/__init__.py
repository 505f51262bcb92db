"""File formats beyond text and HTML: PDF, Word, OpenDocument, e-mail, archives and scans.

`expand.Expander` turns one file into Parts (the documents inside it, with the links between a
message and its attachments); `reader.read_part` reads one Part's text and metadata into a
Reading, or returns None for text and HTML, which go through the pipeline's own decode and
clean stages. Every reader raises SkipDocument with a reason a person can act on, and works
under `limits.Limits`. This file imports nothing, so `indexer.sources` can ask `kinds` which
suffixes are read without importing the readers.
"""
