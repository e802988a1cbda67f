"""gunicorn settings for Procure (`make serve`); every value can be overridden by env vars."""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
worker_class = "gthread"
# MobProc clients send a `client_id` header; gunicorn drops underscored headers by default.
# Procure reads `client_id` and `Client-Id` as the same header, so the ambiguity is harmless.
header_map = "dangerous"
# Access log to stdout; GUNICORN_ACCESSLOG="" turns it off (benchmarks).
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
timeout = 30
graceful_timeout = 20
max_requests = 5000
max_requests_jitter = 500
