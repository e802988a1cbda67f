"""gunicorn settings for Procure (`make serve`); every value can be overridden by env vars.

Sync workers, one request at a time each, 2 x cores + 1 of them (gunicorn's own advice). Each
connection carries one request and is closed, so every request goes to whichever worker is free
to accept it. With keep-alive (the gthread worker) a connection stays with the worker that
accepted it: a load balancer or client holding a few long-lived connections could put all of
them on one worker while another idled. A
request does only CPU work and PostgreSQL round trips (e-mail and the carrier are Celery's), so
threads inside a worker would only contend for its GIL. Put a reverse proxy (nginx, a cloud load
balancer) in front for TLS, slow clients and keep-alive towards browsers.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", 1))  # gthread only
# MobProc clients send a `client_id` header; gunicorn drops underscored headers by default.
# Procure reads `client_id` and `Client-Id` as the same header, so the ambiguity is harmless.
header_map = "dangerous"
# Access log to stdout; GUNICORN_ACCESSLOG="" turns it off (benchmarks).
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
# The path without its query string: MobProc's token call sends the password and the client
# secret as URL parameters, which must not reach a log.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
timeout = 30
graceful_timeout = 20
# Workers are not recycled: the soak (bench/soak.py) holds their memory flat under load, and
# recycling every few thousand requests restarted both workers every few seconds under load.
# MAX_REQUESTS=N recycles each after about N requests (with 10 % jitter), should a leak appear.
max_requests = int(os.environ.get("MAX_REQUESTS", 0))
max_requests_jitter = max_requests // 10
