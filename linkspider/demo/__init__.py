"""What ``linkspider demo`` runs: local redis-server and mongod, the fixture web, a crawl subprocess.

Users run these too (``linkspider fixture-web``, ``linkspider demo``), and the tests and benchmarks
build on them. The fixture web's pages ship as package data in ``corpus/`` (see its PROVENANCE.md).
"""
