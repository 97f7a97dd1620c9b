"""Every ``LINKSPIDER_*`` setting with its default, in one place.

Each setting is documented in the README ("Settings"). Components read them with
Scrapy's typed getters in ``from_crawler``; a bad value fails at start-up.
"""
from __future__ import annotations

# --- crawl (spider, scope, idle close) -------------------------------------
LINKSPIDER_IDLE_CLOSE_SECONDS = 5.0
LINKSPIDER_MAX_PAGES_PER_DOMAIN = 10_000
LINKSPIDER_FOLLOWED_CACHE_SIZE = 200_000  # url_keys a worker remembers having queued (skips repeat requests)
LINKSPIDER_MAX_QUERY_PARAMS = 20  # links with more query parameters are recorded, not followed (crawl traps)
LINKSPIDER_ALLOW_PRIVATE_NETWORKS = False
LINKSPIDER_SOFT404_ENABLED = True  # probe each site directory once; 200 "not found" pages count as gone
LINKSPIDER_SOFT404_SIMILARITY = 0.9  # a page this similar (Jaccard, 3-word runs) to the probe's answer is a soft 404
LINKSPIDER_SOFT404_MAX_DIRECTORIES = 100_000  # (site, first path segment) pairs a worker probes; later ones are not
LINKSPIDER_SOFT404_DIRECTORIES_PER_SITE = 20  # past this many, a site's root probe stands for its other directories

# --- extraction (links, URLs) ------------------------------------------------
LINKSPIDER_MAX_ANCHOR_CHARS = 256  # anchor text (and image alt) longer than this is cut
LINKSPIDER_MAX_LINKS_PER_PAGE = 5_000  # links kept per page; the rest are counted as dropped
LINKSPIDER_MAX_URL_LENGTH = 2083  # target URLs longer than this are dropped (as Scrapy URLLENGTH_LIMIT)

# --- frontier (Redis) -----------------------------------------------------------
# Leases: a handed-out request comes back to the queue if its worker stops renewing it for this long.
LINKSPIDER_FRONTIER_LEASE_SECONDS = 60.0
LINKSPIDER_FRONTIER_HEARTBEAT_SECONDS = 5.0   # worker heartbeat + lease renewal + expired-lease requeue
LINKSPIDER_FRONTIER_POLL_SECONDS = 0.5        # an idle worker asks Redis for work this often
LINKSPIDER_FRONTIER_PUSH_BATCH = 100          # discovered requests sent to Redis per round trip (at most)
LINKSPIDER_FRONTIER_PREFETCH = 4             # leases taken per round trip (handed to the engine one by one)
LINKSPIDER_FRONTIER_ACK_DELAY = 2.0          # a done page's lease is kept this long (> store flush interval)
LINKSPIDER_FRONTIER_CALLBACKS: list[str] = []  # spider methods allowed as callback/errback, besides parse, on_error
LINKSPIDER_FRONTIER_META_KEYS: list[str] = []  # request.meta keys kept through Redis, besides the built-in list
LINKSPIDER_SEEN_MODE = "exact"                # "exact" (~9-10 bytes/URL) or "bloom" (~1.2 bytes/URL at 1 %)
LINKSPIDER_SEEN_EXPECTED_URLS = 10_000_000    # sizes the seen-set (fixed when the crawl starts)
LINKSPIDER_SEEN_ERROR_RATE = 0.01             # Bloom filter false-positive rate
LINKSPIDER_SEEN_LOCAL_CACHE = 100_000         # URL keys a worker remembers as seen (skips Redis for nav links); 0 off
LINKSPIDER_POLITENESS_CONCURRENCY = 8         # requests in flight per registered domain, whole cluster
LINKSPIDER_POLITENESS_DELAY = 0.0             # seconds between requests to one registered domain, whole cluster
LINKSPIDER_POLITENESS_MAX_CRAWL_DELAY = 30.0  # cap on robots.txt Crawl-delay (0 ignores Crawl-delay)
LINKSPIDER_REDIS_SOCKET_TIMEOUT = 10.0
LINKSPIDER_REDIS_RETRIES = 12                 # per command, exponential backoff (~40 s in all); -1 forever
LINKSPIDER_REDIS_BACKOFF_MAX = 5.0

# --- store (MongoDB) ------------------------------------------------------------
# write path (linkspider.store.pipeline.MongoPipeline)
LINKSPIDER_STORE_ENABLED = True  # False: the pipeline raises NotConfigured
LINKSPIDER_STORE_FLUSH_COUNT = 1000  # write a batch once this many ops are buffered
LINKSPIDER_STORE_FLUSH_BYTES = 4 * 1024 * 1024  # ... or once they are about this many bytes
LINKSPIDER_STORE_FLUSH_INTERVAL = 1.0  # ... or once the oldest is this many seconds old (crash-loss window)
LINKSPIDER_STORE_MAX_BUFFER = 50_000  # ops buffered before process_item waits (backpressure) / an outage spills
LINKSPIDER_STORE_RETRY_BACKOFF = 0.2  # first retry delay after a failed write, doubled each time
LINKSPIDER_STORE_RETRY_BACKOFF_MAX = 5.0  # retry delay cap; also how often MongoDB is probed while spilling
LINKSPIDER_STORE_RETRY_MAX_SECONDS = 10.0  # retry a failing batch this long, then spill to disk
LINKSPIDER_STORE_SPILL_DIR = "linkspider-spill"  # relative: under the project's .scrapy/ data dir
LINKSPIDER_STORE_ENSURE_INDEXES = True  # at start, run ensure-indexes if the source_key index is missing
LINKSPIDER_STORE_SERVER_TIMEOUT = 3.0  # seconds pymongo waits to select/connect before a write fails

# reports (`linkspider report`)
LINKSPIDER_SITEWIDE_SHARE = 0.3  # a referring domain linking from more than this share of its pages is sitewide
LINKSPIDER_SITEWIDE_MIN_PAGES = 5  # ... and only if it has at least this many crawled pages
LINKSPIDER_REPORT_TOP = 10  # rows in each "top" list of a report
LINKSPIDER_REPORT_EXACT_MAX_BACKLINKS = 100_000  # up to this many live backlinks, report backlinks reads every edge
LINKSPIDER_HARMONIC_EXACT_MAX = 5_000  # domain graphs up to this many domains get exact harmonic centrality ...
LINKSPIDER_HARMONIC_SAMPLES = 256  # ... larger ones an estimate from this many sampled source domains
LINKSPIDER_EXPORT_PARTITIONS = 16  # `linkspider export edges`: files by hash of target_domain (bucket=00..15)
LINKSPIDER_EXPORT_WORKERS = 1  # >1: processes that decode and write Parquet while the export command reads
LINKSPIDER_EXPORT_BATCH = 10_000  # edges read and converted to Arrow at a time (row groups are larger)

# --- WARC: archive crawls, ingest WARC/WAT files (`scrapy crawl warc`) -------------------------
LINKSPIDER_WARC_DIR = ""  # set: `scrapy crawl links` archives every response it parses as WARC here
LINKSPIDER_WARC_MAX_FILE_BYTES = 1_000_000_000  # an archive file is closed (and a new one started) past this size
LINKSPIDER_WARC_VERSION = "1.1"  # "1.0" or "1.1" (1.1 stores WARC-Date to the microsecond)
LINKSPIDER_WARC_CDXJ = True  # write a sorted CDXJ index (cdxj-indexer) next to each finished archive file
LINKSPIDER_WARC_PROGRESS_SECONDS = 30.0  # ingest logs a progress line (records/s) this often per file

# --- deploy / scheduling ----------------------------------------------------------
LINKSPIDER_CRAWL_REPORT_ENABLED = True  # write one document per job into the MongoDB `crawls` collection

# --- safety / hostile input --------------------------------------------------------
# (LINKSPIDER_ALLOW_PRIVATE_NETWORKS above: True lets non-public addresses through, except cloud metadata)
LINKSPIDER_ALLOWED_NETWORKS: list[str] = []  # CIDRs fetched even though not public, e.g. ["127.0.0.0/8"]
LINKSPIDER_DENIED_NETWORKS: list[str] = []  # CIDRs always refused, even when private networks are allowed
