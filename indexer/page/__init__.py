"""Reading one page: bytes to text (decode), boilerplate out and metadata in (clean, with the
extractors and their markup limits), and the publication date of a web page (pubdate)."""
