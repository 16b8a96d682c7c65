"""Scale-out over one shared Redis (``CITEWATCH_REDIS_URL``): the queue of capture requests that
``citewatch daemon`` dispatches and ``citewatch worker`` processes take (scrapy-redis), per-host
politeness and robots.txt shared by every worker, worker heartbeats and the dispatcher's lease.

Nothing here is imported unless Redis is configured: a single-machine citewatch needs no Redis.
"""
