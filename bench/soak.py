"""Soak: the production processes under mixed load for minutes, with faults, then invariants.

    .venv/bin/python bench/soak.py [--minutes 10] [--clients 8] [--keep]

Runs gunicorn (gunicorn.conf.py, 2 workers), one Celery worker (prefork, concurrency 2), one beat
and a redis-server of its own on a free port, on a PostgreSQL database of its own (`soak_<pid>`,
created fresh, migrated, loaded with `load_demo`, dropped at the end unless --keep). The processes
are those of tests/processes.py, the fault tests' harness.

For the duration, --clients threads each loop over a mix of what people do: peter and sam submit
accessory orders (unique externalOrderNumber; some of peter's cost over 40 USD and need IT after
maria), maria and ian decide what awaits them (GET /api/v1/approvals, then POST .../approval,
a reason for rejects), peter cancels some of his orders (422 is a fair answer once an order moved
on), signed-in browsers view pages (/, /orders/, /approvals/, an order) and maria approves or
rejects several orders at once from her inbox (POST /approvals/bulk/). Meanwhile the worker is
SIGKILLed with its pool once a minute at a random moment and started again a couple of seconds
later (as a process manager would), and Redis is restarted empty once, in the middle.

Once the load stops it waits (bounded) until the system is quiet, then checks with the ORM:
1. every order's status is the replay of its order-level history;
2. every decision applied;
3. every notification SENT, the mails written one to one with the rows (Message-ID
   `<notification-{pk}@host>`), and the rows exactly those the orders call for;
4. the carrier took in each segment that reached it once (CarrierSubmission per idempotency key);
5. no answer of 5xx (nor a request left without an answer) over the whole run;
6. RSS growth of each gunicorn worker and of the Celery worker (MainProcess + pool) after warm-up
   at most 10 %, per process incarnation (workers are recycled and killed; see RssMonitor).
It prints a report and exits 1 if any invariant fails (2 if the run itself could not be made).

Tokens come from the real token endpoint (password grant of demo-client, as the MobProc seeds
sign in), one per person, not written into the database: the soak exercises the path a client
takes, and the script then needs nothing from the test code (tests/conftest.py switches the
password hasher to MD5 when imported, which the servers would not accept). They live two hours
(ACCESS_TOKEN_EXPIRE_SECONDS, its maximum): hence --minutes at most 110.
"""

from __future__ import annotations

import argparse
import email
import email.utils
import io
import os
import random
import re
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.processes import (  # noqa: E402  (after the path: the harness lives in tests/)
    CeleryBeat,
    CeleryWorker,
    Gunicorn,
    HarnessFailure,
    RedisServer,
    csrf_token,
    free_port,
    service_env,
    signed_in_session,
    wait_until,
)

POSTGRES = os.environ.get("SOAK_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
BLOCKING_EMAIL = "tests.integration.blocking_email.EmailBackend"
PASSWORD = "procure-demo"
CLIENT_SECRET = "demo-secret"
RSS_LIMIT = 0.10
# Per process incarnation, RSS is judged from the end of its warm-up, WARM_UP seconds of load after
# it first appears: the first minute for a gunicorn worker (it lives the whole run unless
# max_requests recycles it, and its RSS climbs for about a minute as every page, serializer and
# connection is first used), 20 s for a Celery worker (killed every minute; by then it has run
# every task many times) ...
WARM_UP = {"gunicorn worker": 60.0, "celery worker": 20.0}
# ... to its last sample, if it was sampled at least this long after its warm-up.
JUDGE_AFTER = 20.0
# A browser session drops its kept-alive connection once idle this long (see Client.page).
IDLE_CLOSE = 1.0
TRANSIENT = ("ORDER_SUBMITTED", "APPROVED", "IN_FULFILLMENT", "SHIPPED")
SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # between messages of Django's file e-mail backend
# A mail copied twice is a duplicate the design admits only when a SIGKILL fell between handing
# it over and committing SENT (orders.notifications.send): within this long after the first copy.
HANDOVER_WINDOW = 2.0

SHIP_TO_PETER = {
    "name": "Peter Edwards",
    "regionId": "70144640",
    "expedite": True,
    "address": [
        {"id": "LINE_1", "value": "35 Executive Blvd"},
        {"id": "CITY", "value": "Orange"},
        {"id": "STATE", "value": "CT"},
        {"id": "POSTAL_CODE", "value": "06477"},
    ],
}
# Order kinds: (service id, accessories, contact number, line number, ship-to name)
ORDER_KINDS = {
    "peter": ("38382349", ["3628935898"], "2035559999", "2035557676", "Peter Edwards"),
    # 44.98 USD: over 40, so maria and then the IT group (ian or ada) decide.
    "peter_it": (
        "38382349",
        ["3628935898", "3628939021"],
        "2035559999",
        "2035557676",
        "Peter Edwards",
    ),
    "sam": ("38382351", ["3628940008"], "2035559005", "2035557678", "Sam Okafor"),
}


def order_body(kind: str, number: str) -> dict:
    service, accessories, contact, line, name = ORDER_KINDS[kind]
    return {
        "orderRequest": {
            "externalOrderNumber": number,
            "transactionType": "ORDER_ACCESSORIES",
            "serviceId": service,
            "shoppingCart": {"accessoryIds": accessories},
            "properties": [
                {
                    "groupId": "MISCELLANEOUS",
                    "fields": [
                        {"id": "CONTACT_NUMBER", "type": "TEXT", "text": contact},
                        {"id": "SERVICE_NUMBER", "type": "TEXT", "text": line},
                    ],
                }
            ],
            "shipTo": {**SHIP_TO_PETER, "name": name},
        }
    }


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# --- What the clients saw --------------------------------------------------------------------


class Recorder:
    """Every answer, by kind: latency and status (ERR for no answer at all)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.outcomes: dict[str, Counter] = defaultdict(Counter)
        self.errors: list[str] = []

    def record(self, kind: str, seconds: float, status, detail: str = "") -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[kind][status] += 1
            if (status == "ERR" or (isinstance(status, int) and status >= 500)) and len(
                self.errors
            ) < 20:
                self.errors.append(f"{kind} {status} {detail[:300]}")

    def outcome(self, kind: str, what: str) -> None:
        with self.lock:
            self.outcomes[kind][what] += 1

    def server_errors(self) -> int:
        return sum(
            n
            for counts in self.statuses.values()
            for status, n in counts.items()
            if status == "ERR" or status >= 500
        )

    def total(self) -> int:
        return sum(sum(c.values()) for c in self.statuses.values())


@dataclass
class Shared:
    """What the clients know between them: orders placed (for cancels and order pages)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    orders: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    numbers: int = 0

    def next_number(self, run: str) -> str:
        with self.lock:
            self.numbers += 1
            return f"SOAK-{run}-{self.numbers}"

    def add(self, person: str, order_id: int) -> None:
        with self.lock:
            self.orders[person].append(order_id)

    def recent(self, person: str, rng: random.Random, last: int = 30) -> int | None:
        with self.lock:
            ids = self.orders[person][-last:]
        return rng.choice(ids) if ids else None


# --- The clients -----------------------------------------------------------------------------


class Client:
    """One client thread: API calls as several people (their tokens), and one browser session
    (maria's for even clients, peter's for odd ones)."""

    def __init__(self, soak: Soak, index: int, session, session_user: str) -> None:
        self.soak, self.web, self.rec = soak, soak.web, soak.recorder
        self.rng = random.Random(soak.seed * 1000 + index)
        self.session, self.session_user = session, session_user
        self.seen: list[int] = []  # orders maria's inbox page showed this client
        self.page_done = time.monotonic()
        self.base = f"http://127.0.0.1:{self.web.port}"
        if session_user == "maria":
            actions = {
                self.submit: 30,
                self.decide: 22,
                self.cancel: 5,
                self.pages: 28,
                self.bulk: 8,
            }
        else:
            actions = {self.submit: 34, self.decide: 26, self.cancel: 6, self.pages: 34}
        self.actions, self.weights = list(actions), list(actions.values())

    def run(self) -> None:
        stop = self.soak.stop_load
        while not stop.is_set():
            action = self.rng.choices(self.actions, self.weights)[0]
            try:
                action()
            except Exception as exc:  # a bug of the client, not an answer: kept and shown
                self.rec.record("client-bug", 0.0, "ERR", f"{exc!r}")
                traceback.print_exc()
            stop.wait(self.rng.uniform(0, self.soak.think))

    # API calls through gunicorn (tests.processes.Gunicorn.request: `client_id` kept verbatim)
    def api(self, kind: str, person: str, method: str, path: str, body=None):
        headers = self.soak.api_headers(person)
        started = time.perf_counter()
        try:
            status, answer = self.web.request(
                method, f"/api/v1/{path}", body, headers=headers, timeout=60
            )
        except Exception as exc:
            detail = f"+{self.soak.now():.1f}s {exc!r}"
            self.rec.record(kind, time.perf_counter() - started, "ERR", detail)
            return None, None
        self.rec.record(kind, time.perf_counter() - started, status, str(answer))
        return status, answer

    def page(self, kind: str, method: str, path: str, **kwargs):
        # The browser's kept-alive connection is dropped once idle for IDLE_CLOSE, before
        # gunicorn closes it (its keepalive, 2 s): reusing one the server is closing that very
        # moment is the HTTP/1.1 race (a reset, no answer) that browsers hide by sending again.
        if time.monotonic() - self.page_done > IDLE_CLOSE:
            self.session.close()  # its connection pool; the cookies stay
        started = time.perf_counter()
        try:
            response = self.session.request(
                method, f"{self.base}{path}", timeout=60, allow_redirects=False, **kwargs
            )
        except Exception as exc:
            self.rec.record(
                kind, time.perf_counter() - started, "ERR", f"+{self.soak.now():.1f}s {exc!r}"
            )
            return None
        finally:
            self.page_done = time.monotonic()
        self.rec.record(kind, time.perf_counter() - started, response.status_code, response.text)
        return response

    def submit(self) -> None:
        kind = self.rng.choices(["peter", "peter_it", "sam"], [60, 20, 20])[0]
        person = "sam" if kind == "sam" else "peter"
        number = self.soak.shared.next_number(self.soak.run_id)
        status, answer = self.api("submit", person, "POST", "orders", order_body(kind, number))
        if status == 200:
            self.soak.shared.add(person, int(answer["order"]["orderId"]))
            self.rec.outcome("submit", kind)

    def decide(self) -> None:
        person = self.rng.choices(["maria", "ian"], [75, 25])[0]
        status, answer = self.api("approvals-list", person, "GET", "approvals?limit=25")
        if status != 200:
            return
        items = answer["orders"]["items"] if isinstance(answer.get("orders"), dict) else []
        if not items:
            self.rec.outcome("decide", "nothing waiting")
            return
        order_id = int(self.rng.choice(items)["orderId"])
        if self.rng.random() < 0.75:
            body = {"action": "APPROVE", "reason": "Fine by me"}
        else:
            body = {"action": "REJECT", "reason": "Not in this quarter's budget"}
        status, answer = self.api("decide", person, "POST", f"orders/{order_id}/approval", body)
        if status == 200:
            self.rec.outcome("decide", answer["status"])

    def cancel(self) -> None:
        order_id = self.soak.shared.recent("peter", self.rng)
        if order_id is None:
            return
        status, _ = self.api(
            "cancel", "peter", "POST", f"orders/{order_id}/cancel", {"reason": "Changed my mind"}
        )
        if status is not None:
            self.rec.outcome(
                "cancel", {200: "cancelled", 422: "moved on (422)"}.get(status, status)
            )

    def pages(self) -> None:
        if self.session_user == "maria":
            choice = self.rng.choice(["/", "/approvals/", "order"])
        else:
            choice = self.rng.choice(["/", "/orders/", "order"])
        if choice == "/approvals/":
            self.inbox()
        elif choice == "order":
            # Maria opens what her inbox showed her (she sees an order once it reached her).
            if self.session_user == "maria":
                order_id = self.rng.choice(self.seen) if self.seen else None
            else:
                order_id = self.soak.shared.recent("peter", self.rng, last=200)
            if order_id is not None:
                self.page("page-order", "GET", f"/orders/{order_id}/")
        else:
            self.page({"/": "page-home", "/orders/": "page-orders"}[choice], "GET", choice)

    def inbox(self):
        inbox = self.page("page-inbox", "GET", "/approvals/")
        if inbox is None or inbox.status_code != 200:
            return None, []
        ids = re.findall(r'<input type="checkbox" name="order" value="(\d+)"', inbox.text)
        self.seen = [*self.seen[-50:], *map(int, ids)]
        return inbox, ids

    def bulk(self) -> None:
        inbox, ids = self.inbox()
        if inbox is None:
            return
        if not ids:
            self.rec.outcome("bulk", "nothing waiting")
            return
        chosen = self.rng.sample(ids, min(len(ids), self.rng.randint(2, 6)))
        token = csrf_token(inbox.text)
        action, reason = ("APPROVE", "") if self.rng.random() < 0.8 else ("REJECT", "Too many")
        form = {"action": action, "reason": reason, "order": chosen, "csrfmiddlewaretoken": token}
        answer = self.page(
            "bulk",
            "POST",
            "/approvals/bulk/",
            data=form,
            headers={"Referer": f"{self.base}/approvals/"},
        )
        if answer is None or answer.status_code != 302:
            return
        result = self.page("bulk-result", "GET", answer.headers["Location"])
        if result is not None and result.status_code == 200:
            for kind in re.findall(r'data-order="\d+" data-kind="(\w+)"', result.text):
                self.rec.outcome("bulk", f"{action.lower()} {kind}")


# --- Faults ----------------------------------------------------------------------------------


@dataclass
class Fault:
    kind: str  # "worker SIGKILL" or "redis restart"
    at: float  # seconds into the load
    wall: float = 0.0  # time.time() when it happened
    back: float = 0.0  # time.time() when the process was running again


class RssMonitor:
    """VmRSS of every gunicorn worker (by pid) and of each Celery worker incarnation (MainProcess
    plus its pool processes), sampled every second while the load runs."""

    def __init__(self) -> None:
        # (group, incarnation) -> [(seconds into the load, kB)]
        self.samples: dict[tuple[str, str], list[tuple[float, int]]] = defaultdict(list)

    @staticmethod
    def rss_kb(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    @staticmethod
    def children(pid: int) -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...: comm may hold spaces, so split after its ")".
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
        return found

    def sample(self, now: float, gunicorn_pid: int, worker) -> None:
        for pid in self.children(gunicorn_pid):
            kb = self.rss_kb(pid)
            if kb:
                self.samples[("gunicorn worker", str(pid))].append((now, kb))
        if worker is not None and worker.alive():
            pool = self.children(worker.pid)
            main = self.rss_kb(worker.pid)
            if main and pool:  # started: its pool is up
                total = main + sum(self.rss_kb(pid) for pid in pool)
                self.samples[("celery worker", str(worker.pid))].append((now, total))

    def save(self, path: Path) -> None:
        with path.open("w") as out:
            out.write("group,pid,seconds,kB\n")
            for (group, pid), points in sorted(self.samples.items()):
                out.writelines(f"{group},{pid},{t:.1f},{kb}\n" for t, kb in points)

    def judge(self) -> list[dict]:
        """Per incarnation: RSS at the end of its warm-up (WARM_UP seconds after its first
        sample under load; median of 3 samples) and at its last sample (median of the last 3);
        judged when sampled JUDGE_AFTER seconds past its warm-up (a worker killed or recycled
        sooner is listed, not judged)."""
        rows = []
        by_start = sorted(self.samples.items(), key=lambda item: (item[0][0], item[1][0][0]))
        for (group, pid), points in by_start:
            first, last = points[0][0], points[-1][0]
            warm_up = WARM_UP[group]
            warm = [kb for t, kb in points if t >= first + warm_up]
            row = {"group": group, "pid": pid, "life": last - first, "judged": False}
            row["start"] = points[0][1]
            if warm and last - first >= warm_up + JUDGE_AFTER:
                baseline = statistics.median(warm[:3])
                final = statistics.median([kb for _, kb in points[-3:]])
                row.update(judged=True, baseline=baseline, final=final, growth=final / baseline - 1)
            rows.append(row)
        return rows


# --- The run ---------------------------------------------------------------------------------


class Soak:
    def __init__(self, args) -> None:
        self.args = args
        self.minutes, self.clients = args.minutes, args.clients
        self.duration = args.minutes * 60.0
        self.seed = args.seed if args.seed is not None else random.randrange(1 << 30)
        self.rng = random.Random(self.seed)
        self.run_id = f"{os.getpid()}"
        self.think = args.think_ms / 1000
        self.db_name = f"soak_{os.getpid()}"
        self.tmp = Path(tempfile.mkdtemp(prefix="procure-soak-"))
        self.mail_dir = self.tmp / "mail"
        self.mail_dir.mkdir()
        self.static_root = self.tmp / "static"
        self.recorder = Recorder()
        self.shared = Shared()
        self.rss = RssMonitor()
        self.stop_load = threading.Event()
        self.stop_faults = threading.Event()
        self.faults: list[Fault] = []
        self.processes: list = []
        self.worker: CeleryWorker | None = None
        self.worker_lock = threading.Lock()
        self.tokens: dict[str, str] = {}
        self.database_created = False
        self.load_started = 0.0
        self.load_average = [0.0]
        self.fault_error = ""
        self.worker_alive_at_end = False
        self.queue_at_end: int | None = None
        self.queue_at_load_end: int | None = None

    # -- setup --------------------------------------------------------------------------------

    def environment(self) -> None:
        """This process's settings (the ORM checks) and, through service_env, the servers'."""
        self.redis = RedisServer(self.tmp, port=free_port())
        os.environ.update(
            DJANGO_SETTINGS_MODULE="portal.settings",
            DATABASE_URL=f"{POSTGRES}/{self.db_name}",
            REDIS_URL=self.redis.url(0),
            STATIC_ROOT=str(self.static_root),
            DEBUG="false",
            LOG_LEVEL="WARNING",  # this process's; the servers log at INFO (env())
        )

    def create_database(self) -> None:
        import psycopg

        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            db.execute(f'CREATE DATABASE "{self.db_name}"')
        self.database_created = True

    def drop_database(self) -> None:
        import psycopg
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def prepare(self) -> None:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("load_demo", verbosity=0, stdout=io.StringIO())
        call_command("collectstatic", interactive=False, verbosity=0)

    def env(self) -> dict[str, str]:
        return service_env(
            REDIS_URL=self.redis.url(0),
            OUTBOX_REDRIVE_AFTER=str(self.args.redrive_after),
            OUTBOX_SWEEP_SECONDS=str(self.args.sweep_seconds),
            SIMULATED_CARRIER_SHIP_DELAY="1",
            EMAIL_BACKEND=BLOCKING_EMAIL,
            EMAIL_FILE_PATH=str(self.mail_dir),
            STATIC_ROOT=str(self.static_root),
            # As in production (service_env closes connections after each request for tests).
            CONN_MAX_AGE="60",
            LOG_LEVEL="INFO",
            ACCESS_TOKEN_EXPIRE_SECONDS="7200",
        )

    def started(self, process):
        self.processes.append(process)
        process.start()
        return process

    def start_worker(self) -> CeleryWorker:
        worker = CeleryWorker(self.env(), self.tmp, hostname="soak", concurrency=2)
        with self.worker_lock:
            self.worker = self.started(worker)
        return worker

    def start(self) -> None:
        self.redis.start()
        self.processes.append(self.redis)
        self.web = self.started(Gunicorn(self.env(), self.tmp, workers=2))
        self.start_worker()
        self.started(CeleryBeat(self.env(), self.tmp))

    def sign_in_everyone(self) -> list:
        """Tokens from the token endpoint (one per person) and a browser session per client."""
        from concurrent.futures import ThreadPoolExecutor

        import requests

        base = f"http://127.0.0.1:{self.web.port}"

        def token(person: str) -> tuple[str, str]:
            started = time.perf_counter()
            answer = requests.post(
                f"{base}/o/token/",
                data={
                    "grant_type": "password",
                    "username": person,
                    "password": PASSWORD,
                    "scope": "read write",
                },
                auth=("demo-client", CLIENT_SECRET),
                timeout=60,
            )
            self.recorder.record("setup: token", time.perf_counter() - started, answer.status_code)
            if answer.status_code != 200:
                raise HarnessFailure(f"token for {person}: {answer.status_code} {answer.text}")
            return person, answer.json()["access_token"]

        def session(index: int):
            user = "maria" if index % 2 == 0 else "peter"
            started = time.perf_counter()
            browser, answer = signed_in_session(base, user, PASSWORD, timeout=60)
            self.recorder.record(
                "setup: sign-in", time.perf_counter() - started, answer.status_code
            )
            if answer.status_code != 302:
                raise HarnessFailure(f"sign-in of {user}: {answer.status_code}")
            return browser, user

        with ThreadPoolExecutor(max_workers=4) as pool:
            self.tokens = dict(pool.map(token, ["peter", "sam", "maria", "ian"]))
            return list(pool.map(session, range(self.clients)))

    def api_headers(self, person: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.tokens[person]}",
            "X-TNGO-TENANT": "acme",
            "client_id": "demo-client",
        }

    # -- the load and the faults --------------------------------------------------------------

    def now(self) -> float:
        return time.monotonic() - self.load_started

    def schedule(self) -> list[Fault]:
        """A worker kill at a random moment of each minute (8 s or more from the Redis restart
        and from the previous kill, none in the last 5 s), and a Redis restart in the middle."""
        middle = self.duration / 2
        faults = [Fault("redis restart", middle)]
        previous = 0.0
        for minute in range(self.minutes):
            for _ in range(100):
                at = minute * 60 + self.rng.uniform(0, 60)
                if abs(at - middle) > 8 and at > previous + 8 and at < self.duration - 5:
                    break
            else:
                continue
            faults.append(Fault("worker SIGKILL", at))
            previous = at
        return sorted(faults, key=lambda f: f.at)

    def inject_faults(self) -> None:
        try:
            self._inject_faults()
        except Exception as exc:  # reported as a failure: the run did not go as scheduled
            self.fault_error = repr(exc)
            traceback.print_exc()

    def _inject_faults(self) -> None:
        for fault in self.faults:
            if self.stop_faults.wait(max(0.0, fault.at - self.now())):
                return
            fault.at = self.now()
            fault.wall = time.time()
            if fault.kind == "redis restart":
                self.redis.restart()  # kill (what it held is gone), then start empty
                fault.back = time.time()
            else:
                with self.worker_lock:
                    worker = self.worker
                worker.kill()  # SIGKILL to its process group: MainProcess and pool
                time.sleep(self.rng.uniform(1.5, 3.0))  # the process manager's restart delay
                self.start_worker()
                fault.back = time.time()

    def sample_rss(self) -> None:
        while not self.stop_load.wait(1.0):
            with self.worker_lock:
                worker = self.worker
            self.rss.sample(self.now(), self.web.pid, worker)

    def load(self, sessions: list) -> float:
        clients = [Client(self, i, browser, user) for i, (browser, user) in enumerate(sessions)]
        self.faults = self.schedule()
        self.load_started = time.monotonic()
        self.load_average = [os.getloadavg()[1]]
        threads = [
            threading.Thread(target=c.run, name=f"client-{i}", daemon=True)
            for i, c in enumerate(clients)
        ]
        threads.append(threading.Thread(target=self.inject_faults, name="faults", daemon=True))
        threads.append(threading.Thread(target=self.sample_rss, name="rss", daemon=True))
        for thread in threads:
            thread.start()
        time.sleep(max(0.0, self.duration - self.now()))
        self.stop_load.set()
        for thread in threads[: len(clients)]:
            thread.join(timeout=90)
        elapsed = self.now()
        self.load_average.append(os.getloadavg()[1])
        self.queue_at_load_end = self.queue_length()
        self.stop_faults.set()
        threads[-2].join(timeout=60)  # a kill in progress ends with its restart
        return elapsed

    # -- afterwards ---------------------------------------------------------------------------

    def pending(self) -> dict[str, int]:
        from approvals.models import Decision
        from orders.models import Notification, Order
        from portal.models import OutboxMessage

        return {
            "outbox messages not done": OutboxMessage.objects.filter(done_at=None).count(),
            "notifications PENDING": Notification.objects.filter(
                status=Notification.Status.PENDING
            ).count(),
            "decisions not applied": Decision.objects.filter(applied_at=None).count(),
            "orders in transient states": Order.objects.filter(status__in=TRANSIENT).count(),
        }

    def wait_quiet(self) -> tuple[bool, float, dict]:
        started = time.monotonic()
        last: dict = {}

        def quiet() -> bool:
            last.update(self.pending())
            return not any(last.values())

        try:
            wait_until(quiet, self.args.quiet_timeout, "the system is quiet", poll=0.5)
        except HarnessFailure:
            return False, time.monotonic() - started, last
        return True, time.monotonic() - started, last

    def queue_length(self) -> int | None:
        """Messages waiting in the broker's default queue (None when Redis does not answer)."""
        import redis

        try:
            return redis.Redis.from_url(self.redis.url(0), socket_timeout=2).llen("celery")
        except redis.RedisError:
            return None

    def freeze(self) -> None:
        """Stop the servers and workers before the checks, so that they read one state (when
        the system did not get quiet, work would otherwise go on under them)."""
        self.worker_alive_at_end = self.worker is not None and self.worker.alive()
        self.queue_at_end = self.queue_length()
        for process in reversed(self.processes):
            if process is not self.redis:
                process.stop()

    def check(self, elapsed: float, quiet: tuple[bool, float, dict]) -> bool:
        return Report(self, elapsed, quiet).print()

    def stop(self) -> None:
        self.stop_load.set()
        self.stop_faults.set()
        for process in reversed(self.processes):
            try:
                process.stop()
            except Exception:
                traceback.print_exc()

    def gunicorn_statuses(self) -> Counter:
        """Statuses in gunicorn's access log: the server's own count of its answers."""
        return Counter(re.findall(r'" (\d{3}) ', self.web.log()))


# --- The invariants and the report ------------------------------------------------------------


def history_replays() -> tuple[list[str], Counter]:
    """Invariant 1: each order's order-level history (rows with a status change, in id order:
    every change of one order is written under its row lock) chains from the submit to the
    order's status. Returns the broken orders and the orders by final status."""
    from orders.models import Order, OrderHistory

    statuses = dict(Order.objects.values_list("pk", "status"))
    rows = (
        OrderHistory.objects.filter(segment=None)
        .exclude(from_status="", to_status="")
        .order_by("order_id", "id")
        .values_list("order_id", "from_status", "to_status")
    )
    replayed: dict[int, str] = {}
    broken: list[str] = []
    for order_id, source, target in rows.iterator(chunk_size=5000):
        previous = replayed.get(order_id, "")
        if source != previous:
            broken.append(f"order {order_id}: {previous or '(none)'} then {source}->{target}")
        replayed[order_id] = target
    for order_id, status in statuses.items():
        if replayed.get(order_id) != status:
            broken.append(f"order {order_id}: history ends {replayed.get(order_id)}, is {status}")
    return broken, Counter(statuses.values())


def expected_notifications() -> tuple[set[str], list[int]]:
    """The notification keys (orders.notifications.notify) the orders call for, from the
    models: APPROVAL_REQUESTED per approver of every step that started; ORDER_APPROVED,
    ORDER_REJECTED, ORDER_SHIPPED, ORDER_COMPLETED, ORDER_FAILED to the requester of every order
    whose history reached that status. Mirrors the rules that send nothing: an event switched off,
    a recipient without an address, a decision with communicationWorkflow "None"."""
    from approvals.models import Decision, RunStep
    from orders.models import Notification, NotificationSetting, Order, OrderHistory

    Event = Notification.Event
    off = set(NotificationSetting.objects.filter(enabled=False).values_list("tenant_id", "event"))
    silent = Decision.Communication.NONE
    expected: set[str] = set()
    steps = RunStep.objects.filter(started_at__isnull=False).select_related("run__order")
    steps = steps.prefetch_related("run__order__approvers__employee")
    # A step after the first starts with the notify of the decision that approved the previous.
    silenced = set(
        Decision.objects.filter(communication=silent).values_list("step__run_id", "step__position")
    )
    for step in steps.iterator(chunk_size=2000):
        order = step.run.order
        if (order.tenant_id, Event.APPROVAL_REQUESTED) in off:
            continue
        if (step.run_id, step.position - 1) in silenced:
            continue
        for approver in step.approvers:
            if approver.email:
                expected.add(f"{Event.APPROVAL_REQUESTED}:{order.pk}:{step.pk}:{approver.pk}")
    # The requester hears of the approval or rejection unless the last decision was silent.
    last_decision: dict[int, tuple[int, str]] = {}
    for order_id, position, communication in Decision.objects.values_list(
        "step__run__order_id", "step__position", "communication"
    ):
        if order_id not in last_decision or position > last_decision[order_id][0]:
            last_decision[order_id] = (position, communication)
    silent_orders = {pk for pk, (_, how) in last_decision.items() if how == silent}
    by_status = {
        Order.Status.APPROVED: Event.ORDER_APPROVED,
        Order.Status.REJECTED: Event.ORDER_REJECTED,
        Order.Status.SHIPPED: Event.ORDER_SHIPPED,
        Order.Status.COMPLETE: Event.ORDER_COMPLETED,
        Order.Status.FAILED: Event.ORDER_FAILED,
    }
    requesters = {
        pk: (tenant, requester, address)
        for pk, tenant, requester, address in Order.objects.values_list(
            "pk", "tenant_id", "requested_by_id", "requested_by__email"
        )
    }
    reached = OrderHistory.objects.filter(segment=None, to_status__in=list(by_status))
    for order_id, status in reached.values_list("order_id", "to_status").distinct():
        tenant, requester, address = requesters[order_id]
        event = by_status[status]
        decided = event in (Event.ORDER_APPROVED, Event.ORDER_REJECTED)
        if (tenant, event) in off or not address or (decided and order_id in silent_orders):
            continue
        expected.add(f"{event}:{order_id}::{requester}")
    # Every order that awaited approval asked somebody.
    asked = {int(key.split(":")[1]) for key in expected if key.startswith(Event.APPROVAL_REQUESTED)}
    awaited = OrderHistory.objects.filter(segment=None, to_status=Order.Status.AWAITING_APPROVAL)
    unasked = sorted(set(awaited.values_list("order_id", flat=True)) - asked)
    return expected, unasked


@dataclass
class Mails:
    """The messages Django's file backend wrote (several per file when names collide)."""

    copies: dict[int, list[float]]  # notification pk -> Date of each copy (epoch seconds)
    unreadable: list[float]  # mtimes of files holding a message with no notification Message-ID

    @classmethod
    def read(cls, directory: Path) -> Mails:
        copies: dict[int, list[float]] = defaultdict(list)
        unreadable: list[float] = []
        for path in sorted(directory.glob("*.log")):
            for chunk in path.read_bytes().split(SEPARATOR):
                if not chunk.strip():
                    continue
                message = email.message_from_bytes(chunk)
                found = re.match(r"<notification-(\d+)@", message.get("Message-ID") or "")
                if not found:
                    unreadable.append(path.stat().st_mtime)
                    continue
                date = message.get("Date")
                when = email.utils.parsedate_to_datetime(date).timestamp() if date else 0.0
                copies[int(found.group(1))].append(when)
        return cls(copies, unreadable)


def near_a_kill(moment: float, kills: list[float]) -> bool:
    """Whether a worker was SIGKILLed just after `moment` (a mail's Date, to the second)."""
    return any(moment - 1 <= kill <= moment + 1 + HANDOVER_WINDOW for kill in kills)


class Report:
    def __init__(self, soak: Soak, elapsed: float, quiet: tuple[bool, float, dict]) -> None:
        self.soak, self.elapsed, self.quiet = soak, elapsed, quiet
        self.lines: list[str] = []
        self.verdicts: list[tuple[bool, str]] = []

    def say(self, text: str = "") -> None:
        self.lines.append(text)

    def verdict(self, ok: bool, text: str) -> None:
        self.verdicts.append((ok, text))

    def print(self) -> bool:
        soak = self.soak
        self.say(
            f"== Procure soak: {soak.minutes} min ({self.elapsed:.1f} s of load), "
            f"{soak.clients} clients, seed {soak.seed} =="
        )
        self.say(
            f"machine: {os.cpu_count()} CPUs, 5-min load average {soak.load_average[0]:.1f} at "
            f"the start of the load, {soak.load_average[-1]:.1f} at its end"
        )
        self.requests()
        orders = self.orders()
        self.decisions()
        self.notifications()
        self.carrier()
        self.faults()
        self.memory()
        self.http()
        ok, waited, left = self.quiet
        self.say(
            f"quiet {waited:.1f} s after the load stopped"
            if ok
            else f"NOT quiet {waited:.0f} s after the load stopped: {left}"
        )
        self.verdict(ok, f"0 the system is quiet after the load ({left})")
        self.say("invariants:")
        for passed, text in sorted(self.verdicts, key=lambda v: v[1]):
            self.say(f"  {'PASS' if passed else 'FAIL'} {text}")
        passed = all(ok for ok, _ in self.verdicts)
        self.say(f"RESULT: {'PASS' if passed else 'FAIL'} ({orders} orders)")
        print("\n".join(self.lines), flush=True)
        return passed

    def requests(self) -> None:
        rec = self.soak.recorder
        self.say(f"{'requests':<16}{'n':>7}{'p50 ms':>9}{'p99 ms':>9}  statuses")
        for kind in sorted(rec.statuses, key=lambda k: (k.startswith("setup"), k)):
            latencies = rec.latencies[kind]
            statuses = " ".join(
                f"{s}:{n}" for s, n in sorted(rec.statuses[kind].items(), key=lambda x: str(x[0]))
            )
            self.say(
                f"{kind:<16}{len(latencies):>7}{percentile(latencies, 0.5) * 1000:>9.1f}"
                f"{percentile(latencies, 0.99) * 1000:>9.1f}  {statuses}"
            )
        during = sum(len(v) for k, v in rec.latencies.items() if not k.startswith("setup"))
        self.say(f"{'total':<16}{during:>7}  ({during / max(self.elapsed, 1):.1f}/s under load)")
        for kind, counts in sorted(rec.outcomes.items()):
            self.say(f"  {kind}: " + ", ".join(f"{k} {n}" for k, n in counts.most_common()))

    def orders(self) -> int:
        broken, by_status = history_replays()
        total = sum(by_status.values())
        self.say(
            "orders by final status: " + ", ".join(f"{s} {n}" for s, n in by_status.most_common())
        )
        self.verdict(
            not broken,
            f"1 every order's status is the replay of its history "
            f"({total} orders, {len(broken)} broken) {broken[:5]}",
        )
        return total

    def decisions(self) -> None:
        from approvals.models import Decision

        actions = Counter(Decision.objects.values_list("action", flat=True))
        unapplied = Decision.objects.filter(applied_at=None).count()
        total = sum(actions.values())
        self.say(
            f"decisions: {total} ("
            + ", ".join(f"{a} {n}" for a, n in actions.most_common())
            + f"), {total - unapplied} applied"
        )
        self.verdict(unapplied == 0, f"2 every decision applied ({unapplied} of {total} not)")

    def notifications(self) -> None:
        from orders.models import Notification

        rows = dict(Notification.objects.values_list("pk", "key"))
        sent = set(
            Notification.objects.filter(status=Notification.Status.SENT).values_list(
                "pk", flat=True
            )
        )
        states = Counter(Notification.objects.values_list("status", flat=True))
        by_event = Counter(key.split(":", 1)[0] for key in rows.values())
        expected, unasked = expected_notifications()
        recorded = set(rows.values())
        missing, unexpected = expected - recorded, recorded - expected
        mails = Mails.read(self.soak.mail_dir)
        kills = [f.wall for f in self.soak.faults if f.kind == "worker SIGKILL" and f.wall]
        lost = sorted(sent - set(mails.copies))  # recorded SENT, never handed over
        strangers = sorted(set(mails.copies) - sent)  # handed over, no SENT row for it
        duplicated = {pk: dates for pk, dates in mails.copies.items() if len(dates) > 1}
        at_kill = {pk for pk, dates in duplicated.items() if near_a_kill(min(dates), kills)}
        unexplained = sorted(set(duplicated) - at_kill)
        partial = [m for m in mails.unreadable if not near_a_kill(m, kills)]
        expected_by_event = Counter(key.split(":", 1)[0] for key in expected)
        self.say(
            f"notifications: {states.get('SENT', 0)} sent / {len(expected)} expected ("
            + ", ".join(
                f"{e} {by_event[e]}/{expected_by_event[e]}"
                for e in sorted(set(by_event) | set(expected_by_event))
            )
            + f"); mails: {len(mails.copies)} distinct, {len(lost)} lost, "
            f"{len(duplicated)} duplicated ({len(at_kill)} at a worker kill, same Message-ID)"
            f", {len(mails.unreadable)} cut short"
        )
        not_sent = {s: n for s, n in states.items() if s != "SENT"}
        self.verdict(
            not not_sent
            and not lost
            and not strangers
            and not unexplained
            and not partial
            and not missing
            and not unexpected,
            f"3 notifications: all SENT {not_sent or ''}; mails one to one with the rows "
            f"({len(lost)} lost {lost[:5]}, {len(strangers)} without a SENT row {strangers[:5]}, "
            f"{len(unexplained)} "
            f"duplicated {unexplained[:5]} + {len(at_kill)} at a kill, {len(partial)} cut short); "
            f"{len(expected)} expected by the orders ({len(missing)} missing "
            f"{sorted(missing)[:3]}, {len(unexpected)} unexpected {sorted(unexpected)[:3]}; "
            f"{len(unasked)} orders awaited approval asking nobody {unasked[:5]})",
        )

    def carrier(self) -> None:
        from orders.models import CarrierSubmission, OrderHistory, OrderSegment, Shipment

        reached = OrderHistory.objects.filter(segment=None, to_status="IN_FULFILLMENT").values(
            "order_id"
        )
        segments = {s.idempotency_key: s for s in OrderSegment.objects.filter(order_id__in=reached)}
        submissions = {c.idempotency_key: c for c in CarrierSubmission.objects.all()}
        missing = sorted(set(segments) - set(submissions))
        extra = sorted(set(submissions) - set(segments))
        wrong = [
            k
            for k, s in segments.items()
            if k in submissions and s.vendor_reference != submissions[k].reference
        ]
        again = sum(1 for c in submissions.values() if c.times_received > 1)
        shipments = Counter(Shipment.objects.values_list("segment_id", flat=True))
        twice = [pk for pk, n in shipments.items() if n > 1]
        self.say(
            f"carrier: {len(submissions)} submissions for {len(segments)} segments that "
            f"reached it ({again} received again, taken in once); "
            f"{sum(shipments.values())} shipments"
        )
        self.verdict(
            not missing and not extra and not wrong and not twice,
            f"4 one carrier submission per segment that reached it ({len(missing)} missing, "
            f"{len(extra)} extra, {len(wrong)} with another reference, {len(twice)} shipped "
            f"twice)",
        )

    def faults(self) -> None:
        from django.db.models import Count, Max, Min, Sum

        from portal.models import OutboxMessage

        self.say(
            "faults (seconds into the load; recovery = to the first task done after it; "
            "drained = until all work pending at it was done):"
        )
        longest = drained_longest = 0.0
        for fault in self.soak.faults:
            if not fault.wall:
                self.say(f"  {fault.kind} at +{fault.at:.0f}s: not reached")
                continue
            at = datetime.fromtimestamp(fault.wall).astimezone()
            done = OutboxMessage.objects.filter(done_at__gt=at)
            if fault.kind == "redis restart":
                done = done.filter(published_at__gt=at)  # through the new, empty Redis
            first = done.aggregate(first=Min("done_at"))["first"]
            pending = OutboxMessage.objects.filter(created_at__lte=at, done_at__gt=at)
            drained = pending.aggregate(last=Max("done_at"))["last"]
            recovery = first.timestamp() - fault.wall if first else float("inf")
            drain = drained.timestamp() - fault.wall if drained else 0.0
            longest, drained_longest = max(longest, recovery), max(drained_longest, drain)
            self.say(
                f"  +{fault.at:6.1f}s {fault.kind:<15} running again +"
                f"{fault.back - fault.wall:.1f}s, first task done +{recovery:.1f}s, "
                f"{pending.count()} pending drained +{drain:.1f}s"
            )
        kills = sum(1 for f in self.soak.faults if f.kind == "worker SIGKILL" and f.wall)
        restarts = sum(1 for f in self.soak.faults if f.kind == "redis restart" and f.wall)
        self.say(
            f"  {kills} worker kills, {restarts} Redis restart; longest recovery "
            f"{longest:.1f} s (drained {drained_longest:.1f} s)"
        )
        totals = OutboxMessage.objects.aggregate(
            rows=Count("id"), publishes=Sum("attempts"), most=Max("attempts")
        )
        rows, publishes = totals["rows"] or 0, totals["publishes"] or 0
        per_task = publishes / max(rows, 1)
        self.say(
            f"outbox: {rows} tasks stored, published {publishes} times ({per_task:.1f} per task, "
            f"at most {totals['most'] or 0}); broker queue "
            f"{self.soak.queue_at_load_end} messages when the load stopped, "
            f"{self.soak.queue_at_end} at the checks"
        )
        missed = sum(1 for f in self.soak.faults if not f.wall)
        alive = self.soak.worker_alive_at_end
        self.verdict(
            not missed and not self.soak.fault_error and alive,
            f"0 faults as scheduled ({kills} worker kills, {restarts} Redis restart, {missed} "
            f"missed{', ' + self.soak.fault_error if self.soak.fault_error else ''}; the last "
            f"worker {'alive' if alive else 'DEAD'} at the end)",
        )

    def memory(self) -> None:
        self.soak.rss.save(self.soak.tmp / "rss.csv")
        rows = self.soak.rss.judge()
        self.say(
            "RSS (VmRSS; warm-up = the first "
            + " and ".join(f"{s:.0f} s of a {g}" for g, s in WARM_UP.items())
            + f" incarnation under load, judged from then to its last sample when that is "
            f"{JUDGE_AFTER:.0f} s or more later; MainProcess + pool for Celery; "
            f"limit +{RSS_LIMIT:.0%}):"
        )
        worst: dict[str, float] = {}
        for row in rows:
            if row["judged"]:
                worst[row["group"]] = max(worst.get(row["group"], -1.0), row["growth"])
                self.say(
                    f"  {row['group']} {row['pid']}: {row['baseline'] / 1024:.1f} -> "
                    f"{row['final'] / 1024:.1f} MB ({row['growth']:+.1%}) over "
                    f"{row['life']:.0f} s (at start {row['start'] / 1024:.1f} MB)"
                )
            else:
                self.say(
                    f"  {row['group']} {row['pid']}: sampled {row['life']:.0f} s only, not judged"
                )
        groups = {"gunicorn worker", "celery worker"}
        unjudged = groups - set(worst)
        over = {g: w for g, w in worst.items() if w > RSS_LIMIT}
        self.verdict(
            not over,
            "6 RSS growth after warm-up <= 10 % (worst: "
            + ", ".join(f"{g} {w:+.1%}" for g, w in sorted(worst.items()))
            + (f"; none judged: {', '.join(sorted(unjudged))}" if unjudged else "")
            + ")",
        )

    def http(self) -> None:
        rec = self.soak.recorder
        client_side = rec.server_errors()
        server_side = self.soak.gunicorn_statuses()
        fives = sum(n for status, n in server_side.items() if status.startswith("5"))
        self.say(
            "gunicorn access log: " + ", ".join(f"{s}:{n}" for s, n in sorted(server_side.items()))
        )
        if rec.errors:
            self.say("  first errors: " + " | ".join(rec.errors[:5]))
        self.verdict(
            client_side == 0 and fives == 0,
            f"5 no 5xx answer, no request unanswered ({client_side} of {rec.total()} seen "
            f"by the clients, {fives} 5xx in gunicorn's access log)",
        )
        tracebacks: Counter = Counter()
        for process in self.soak.processes:
            tracebacks[process.name] += process.log().count("Traceback")
        self.say(
            "tracebacks in the logs (informative; a killed worker's tasks may log some): "
            + ", ".join(f"{name} {n}" for name, n in sorted(tracebacks.items()))
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--think-ms", type=float, default=50.0, help="max pause between actions")
    parser.add_argument("--quiet-timeout", type=float, default=300.0)
    parser.add_argument("--redrive-after", type=int, default=30, help="OUTBOX_REDRIVE_AFTER")
    parser.add_argument("--sweep-seconds", type=int, default=10, help="OUTBOX_SWEEP_SECONDS")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the database and the logs")
    args = parser.parse_args(argv)
    if not 1 <= args.minutes <= 110 or args.clients < 1:
        parser.error("--minutes from 1 to 110 (the tokens live 2 h), --clients at least 1")

    def interrupted(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    soak = Soak(args)
    passed = False
    try:
        soak.environment()
        soak.create_database()
        soak.prepare()
        soak.start()
        sessions = soak.sign_in_everyone()
        print(
            f"soak: {args.minutes} min, {args.clients} clients, seed {soak.seed}, "
            f"database {soak.db_name}, logs {soak.tmp}",
            flush=True,
        )
        elapsed = soak.load(sessions)
        quiet = soak.wait_quiet()
        soak.freeze()
        passed = soak.check(elapsed, quiet)
        return 0 if passed else 1
    except (Exception, KeyboardInterrupt):
        traceback.print_exc()
        latest = {process.name: process for process in soak.processes}  # the last worker
        for process in latest.values():
            print(f"--- {process.name} {process.log_path} (last lines) ---")
            print("\n".join(process.log().splitlines()[-20:]))
        return 2
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):  # nothing interrupts the clean-up
            signal.signal(signum, signal.SIG_IGN)
        soak.stop()
        if soak.database_created and not args.keep:
            try:
                soak.drop_database()
            except Exception:
                traceback.print_exc()
        if passed and not args.keep:
            shutil.rmtree(soak.tmp, ignore_errors=True)
        else:
            print(
                f"soak: logs kept in {soak.tmp}"
                + (f", database {soak.db_name}" if args.keep else "")
            )


if __name__ == "__main__":
    sys.exit(main())
