"""Crawling sites and feeds: the crawler (politeness, retries, resume), its frontier in the
store, robots.txt, and the links, feeds and sitemaps found in pages."""
