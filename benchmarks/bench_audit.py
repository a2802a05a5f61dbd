"""Benchmark: what the audit trail costs, as ratios against baselines measured in the same run.

Usage (PostgreSQL; a throw-away database ``<name>_bench`` is created next to the given one)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthcheck \\
        .venv/bin/python benchmarks/bench_audit.py [--seconds 8] [--clients 16] [--workers 4]

1. Compliance search page (first page, filtered by client, by user, and a deep keyset page)
   with 1,000 events and then with 1,000,000 events: median latency and the ratio. Target <= 3.
2. Throughput of a health-data-like page served by gunicorn to 16 concurrent clients, with and
   without its one read event, alternating rounds: the overhead of the read event. Target <= 15 %.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _bench_database_url() -> str:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        sys.exit("bench_audit needs DATABASE_URL=postgres://... (PostgreSQL)")
    parsed = urlparse(base)
    return parsed._replace(path=parsed.path.rstrip("/") + "_bench").geturl()


BENCH_URL = _bench_database_url()
os.environ.update(
    {
        "DATABASE_URL": BENCH_URL,
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "benchmarks.audit_settings",
        "HEALTHCHECK_VAR_DIR": os.environ.get("HEALTHCHECK_VAR_DIR")
        or tempfile.mkdtemp(prefix="bench-audit-"),
    }
)


def _recreate_database() -> None:
    import psycopg

    parsed = urlparse(BENCH_URL)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


_recreate_database()

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from healthcheck.core.models import User  # noqa: E402
from healthcheck.core.roles import Role, sync_roles  # noqa: E402

HOST = "127.0.0.1"


def session_cookie(username: str, role: str) -> str:
    """A logged-in session for a new user of ``role``, as the browser would carry it."""
    user = User.objects.create_user(username=username, password="bench-pw-" + username)
    user.groups.add(Group.objects.get(name=role))
    store = SessionStore()
    store.update(
        {
            "_auth_user_id": str(user.pk),
            "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
            "_auth_user_hash": user.get_session_auth_hash(),
        }
    )
    store.create()
    return f"sessionid={store.session_key}"


def get(port: int, path: str, cookie: str) -> int:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie, "Host": HOST})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------
# Seeding events with SQL (the ORM would take minutes for a million rows)

SEED_SQL = """
INSERT INTO core_auditevent (occurred_at, actor_user_id, actor_label, action, outcome,
    target_type, target_id, target_label, client_public_id, fields, purpose, case_id,
    request_id, ip, user_agent, details, txid)
SELECT now() - make_interval(secs => %(offset)s + g),
       1 + g %% 500, 'user' || (g %% 500),
       (ARRAY['health_record.viewed', 'client.changed', 'user.logged_in',
              'consent.granted'])[1 + g %% 4],
       CASE WHEN g %% 50 = 0 THEN 'denied' ELSE 'success' END,
       'clients.client', g::text, 'client ' || g,
       md5('client' || (g %% 50000))::uuid, '["phone"]'::jsonb, 'loan', '',
       md5(g::text), '10.0.0.1', 'bench', '{"section": "observations"}'::jsonb, 0
FROM generate_series(%(start)s, %(stop)s - 1) AS g
"""


def seed(start: int, stop: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(SEED_SQL, {"start": start, "stop": stop, "offset": 0})
        cursor.execute("ANALYZE core_auditevent")


def median_ms(port: int, path: str, cookie: str, repeat: int = 40) -> float:
    for _ in range(5):  # warm caches and connections
        get(port, path, cookie)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        status = get(port, path, cookie)
        timings.append((time.perf_counter() - started) * 1000)
        assert status == 200, (path, status)
    return statistics.median(timings)


def search_paths() -> dict[str, str]:
    client = str(uuid.UUID(bytes=bytes.fromhex(_md5("client7"))))
    with connection.cursor() as cursor:
        cursor.execute("SELECT occurred_at, id FROM core_auditevent ORDER BY occurred_at, id "
                       "OFFSET (SELECT count(*) / 2 FROM core_auditevent) LIMIT 1")  # fmt: skip
        moment, ident = cursor.fetchone()
    micros = int(moment.timestamp() * 1_000_000)
    base = "/compliance/audit/"
    return {
        "first page": base,
        "by client": base + "?" + urlencode({"client": client}),
        "by user": base + "?" + urlencode({"user": "user7"}),
        "deep page": base + "?" + urlencode({"cursor": f"{micros}.{ident}"}),
    }


def _md5(text: str) -> str:
    import hashlib

    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - matches the SQL seed's md5()


# ---------------------------------------------------------------------------------------------
# Throughput under concurrency


def throughput(port: int, path: str, cookie: str, clients: int, seconds: float) -> float:
    """Requests per second that ``clients`` threads complete in ``seconds``."""
    deadline = time.perf_counter() + seconds
    counts = [0] * clients

    def run(slot: int) -> None:
        while time.perf_counter() < deadline:
            if get(port, path, cookie) == 200:
                counts[slot] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)


def start_server(port: int, workers: int) -> subprocess.Popen[bytes]:
    command = [
        str(ROOT / ".venv/bin/gunicorn"), "healthcheck.wsgi:application",
        "--bind", f"{HOST}:{port}", "--workers", str(workers), "--no-control-socket",
        "--chdir", str(ROOT), "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=os.environ.copy())
    for _ in range(100):
        try:
            get(port, "/healthz", "")
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def run_search(port: int, cookie: str) -> dict[str, tuple[float, float]]:
    seed(0, 1_000)
    small = {name: median_ms(port, p, cookie) for name, p in search_paths().items()}
    seed(1_000, 1_000_000)
    large = {name: median_ms(port, p, cookie) for name, p in search_paths().items()}
    return {name: (small[name], large[name]) for name in small}


def run_throughput(port: int, cookie: str, args: argparse.Namespace) -> tuple[float, float]:
    client_id = uuid.uuid4()
    paths = {
        "plain": f"/bench/health/plain/{client_id}/",
        "audited": f"/bench/health/audited/{client_id}/",
    }
    throughput(port, paths["plain"], cookie, args.clients, 2)  # warm-up
    throughput(port, paths["audited"], cookie, args.clients, 2)
    results: dict[str, list[float]] = {"plain": [], "audited": []}
    for _ in range(args.rounds):  # alternate, so drift hits both the same
        for name, path in paths.items():
            results[name].append(throughput(port, path, cookie, args.clients, args.seconds))
    return statistics.median(results["plain"]), statistics.median(results["audited"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    sync_roles()
    manager = session_cookie("bench-manager", Role.CLIENT_MANAGER)
    officer = session_cookie("bench-officer", Role.COMPLIANCE_OFFICER)
    connection.close()
    port = free_port()
    server = start_server(port, args.workers)
    try:
        search = run_search(port, officer)
        plain, audited = run_throughput(port, manager, args)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(search, plain, audited, args)


def report(search: dict[str, tuple[float, float]], plain: float, audited: float, args) -> None:  # type: ignore[no-untyped-def]
    version = connection.pg_version
    print(f"PostgreSQL {version // 10000}.{version % 100}; gunicorn {args.workers} sync workers; "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    print("\nCompliance search page, median of 40 sequential requests (target ratio <= 3)")
    print(f"  {'query':<12} {'1k events':>10} {'1M events':>10} {'ratio':>7}")
    for name, (small, large) in search.items():
        print(f"  {name:<12} {small:>8.1f}ms {large:>8.1f}ms {large / small:>7.2f}")
    overhead = (plain - audited) / plain * 100
    print(f"\nHealth-data page, {args.clients} concurrent clients, median of {args.rounds} rounds "
          f"of {args.seconds:g}s (target overhead <= 15 %)")  # fmt: skip
    print(f"  without read event: {plain:8.1f} req/s")
    print(f"  with read event:    {audited:8.1f} req/s")
    print(f"  overhead:           {overhead:8.1f} %")


if __name__ == "__main__":
    main()
