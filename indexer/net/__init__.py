"""The one guarded way to the network, shared by `ingest URL` and the crawler: address checks
(no private hosts unless allowed), URL canonical forms, and the bounded HTTP fetcher."""
