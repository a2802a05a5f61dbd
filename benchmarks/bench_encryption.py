"""Benchmark: the cost of encrypted fields, as ratios against baselines measured in the same run.

Usage: ``python benchmarks/bench_encryption.py [--values 10000] [--rounds 21] [--repeat 5]``

1. Encrypt + decrypt of N field values through the field machinery (assignment -> ``pre_save``
   -> ``get_db_prep_save`` -> the load hook ``take_sealed`` -> attribute access, i.e. everything
   the ORM does per value except the SQL) versus raw AES-256-GCM (``cryptography``) on the same
   values, same key and same associated data, with a fresh random nonce each time. Target ratio
   <= 2.0. The same steps on a plaintext field of the model are timed too, so that encryption's
   share of the ORM path can be told from Django's own per-value work, and the field's own
   encrypt + decrypt (``seal`` + ``open``). Rounds are interleaved (see ``interleaved``); the
   median of per-round ratios is the figure to quote on a shared machine.
2. The share of decryption (data-key unwrapping included, cold cache) in rendering a page of 50
   clients: query, key unwrap and decrypt of four encrypted columns per row, and the template
   with the site layout. Target <= 10 %.

It runs on the embedded profile with a throw-away in-memory SQLite database and keys.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_DEBUG"] = "1"
os.environ["DJANGO_SETTINGS_MODULE"] = "healthcheck.settings"
os.environ["HEALTHCHECK_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-encryption-")
os.environ["DATABASE_URL"] = "sqlite://:memory:"
os.environ["LOG_LEVEL"] = "ERROR"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.template import Template  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from clients import selectors, services  # noqa: E402
from clients.models import Client  # noqa: E402
from healthcheck.core import keys  # noqa: E402
from healthcheck.core.fields import EncryptedMixin, take_sealed  # noqa: E402
from healthcheck.core.models import User  # noqa: E402

PAGE = Template(
    """{% extends "base.html" %}{% load encryption %}
{% block content %}<table class="table">
{% for c in clients %}<tr><td>{{ c.public_id }}</td><td>{{ c|decrypted:"name" }}</td>
<td>{{ c|decrypted:"national_id" }}</td><td>{{ c|decrypted:"phone" }}</td>
<td>{{ c|decrypted:"date_of_birth" }}</td><td>{{ c.get_sex_display }}</td>
<td>{{ c.branch }}</td><td>{{ c.created_at }}</td></tr>{% endfor %}
</table>{% endblock %}"""
)


def best_of(repeat: int, func: Callable[[], Any]) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        timings.append(time.perf_counter() - start)
    return min(timings)


def interleaved(rounds: int, funcs: dict[str, Callable[[], Any]]) -> dict[str, list[float]]:
    """Time every function once per round, in a shuffled order, for ``rounds`` rounds.

    Interleaving keeps slow phases of a shared machine (other tenants, frequency changes) from
    landing on one side of a ratio: each round yields a paired measurement.
    """
    order, rng = list(funcs), random.Random(7)
    timings: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(rounds):
        rng.shuffle(order)
        for name in order:
            start = time.perf_counter()
            funcs[name]()
            timings[name].append(time.perf_counter() - start)
    return timings


def field_values(n: int) -> list[str]:
    rng = random.Random(20240229)
    words = ["Nanjing Road", "Building", "空腹血糖", "Room", "Huaihai", "Lane", "Apt", "北京"]
    return [f"{rng.randint(1, 999)} {' '.join(rng.choices(words, k=4))}" for _ in range(n)]


ENCRYPTED = ("name", "national_id", "phone", "address")
PLAINTEXT = ("occupation", "branch", "sex", "id_type")


def bench_fields(values: list[str], repeat: int) -> dict[str, list[float]]:
    manager = User.objects.create_user("bench-manager")
    owner = services.client_create(actor=manager, manager=manager, name="Bench", sex="female")
    field: EncryptedMixin = Client._meta.get_field("address")  # type: ignore[assignment]
    aead, aad = keys.data_aead(owner), field.aad_for_row(owner.public_id)

    # Values go through rows of four encrypted text fields of Client, as a loaded client row
    # carries them: the load hook (take_sealed) runs once per row, everything else per value.
    # The steps are written out (no setattr/zip) so that the loop adds as little as possible.
    name, nid, phone, address = (Client._meta.get_field(n) for n in ENCRYPTED)
    row_fields = [name, nid, phone, address]
    rows = [tuple(values[i : i + 4]) for i in range(0, len(values) - 3, 4)]
    data, db = owner.__dict__, connection

    def through_fields() -> None:
        for a, b, c, d in rows:
            owner.name, owner.national_id, owner.phone, owner.address = a, b, c, d
            sa = name.get_db_prep_save(name.pre_save(owner, False), db)
            sb = nid.get_db_prep_save(nid.pre_save(owner, False), db)
            sc = phone.get_db_prep_save(phone.pre_save(owner, False), db)
            sd = address.get_db_prep_save(address.pre_save(owner, False), db)
            # As a fresh Model.from_db leaves the row (no side dictionary yet), then its hook;
            # the row identity, computed once per instance by the ORM, is kept.
            data.pop("_sealed_values", None)
            data["name"], data["national_id"], data["phone"], data["address"] = sa, sb, sc, sd
            take_sealed(owner, row_fields)
            assert (owner.name, owner.national_id, owner.phone, owner.address) == (a, b, c, d)

    occupation, branch, sex, id_type = (Client._meta.get_field(n) for n in PLAINTEXT)

    def through_plain_fields() -> None:
        # Django's own per-value work for four plaintext fields of the model, the same steps.
        for a, b, c, d in rows:
            owner.occupation, owner.branch, owner.sex, owner.id_type = a, b, c, d
            sa = occupation.get_db_prep_save(occupation.pre_save(owner, False), db)
            sb = branch.get_db_prep_save(branch.pre_save(owner, False), db)
            sc = sex.get_db_prep_save(sex.pre_save(owner, False), db)
            sd = id_type.get_db_prep_save(id_type.pre_save(owner, False), db)
            data["occupation"], data["branch"], data["sex"], data["id_type"] = sa, sb, sc, sd
            assert (owner.occupation, owner.branch, owner.sex, owner.id_type) == (a, b, c, d)

    def field_cipher_only() -> None:
        for value in values:
            assert field.open(owner, field.seal(owner, value)) == value

    def raw_aes_gcm() -> None:
        for value in values:
            nonce = os.urandom(keys.NONCE_BYTES)
            body = aead.encrypt(nonce, value.encode(), aad)
            assert aead.decrypt(nonce, body, aad).decode() == value

    return interleaved(
        repeat,
        {
            "fields": through_fields,
            "plain": through_plain_fields,
            "cipher": field_cipher_only,
            "raw": raw_aes_gcm,
        },
    )


class DecryptTimer:
    """Accumulates the time spent inside decryption and key unwrapping while installed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._originals: list[tuple[Any, str, Any]] = []

    def wrap(self, owner: Any, name: str) -> None:
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        self._originals.append((owner, name, original))
        setattr(owner, name, timed)

    def restore(self) -> None:
        for owner, name, original in reversed(self._originals):
            setattr(owner, name, original)


def bench_page(repeat: int) -> tuple[float, float, float]:
    manager = User.objects.create_user("bench-page-manager")
    for i in range(50):
        services.client_create(
            actor=manager, manager=manager, name=f"客户 {i} Zhang", sex="male",
            id_type="passport", national_id=f"E{i:08d}", phone=f"+86 138 0013 {i:04d}",
            date_of_birth=datetime.date(1970, 1, 1) + datetime.timedelta(days=97 * i),
        )  # fmt: skip
    request = RequestFactory().get("/clients/")
    request.user = manager
    request.csp_nonce = "bench"  # type: ignore[attr-defined]

    def render_page() -> str:
        keys.data_key_cache.clear()  # cold cache: every key is unwrapped on this render
        clients = selectors.client_list(viewer=manager)
        return PAGE.render(django.template.RequestContext(request, {"clients": clients}))

    render_page()  # warm the template and translation caches
    timer = DecryptTimer()
    timer.wrap(EncryptedMixin, "open")
    timer.wrap(keys, "_unwrap")
    totals = []
    try:
        for _ in range(repeat):
            timer.seconds = 0.0
            start = time.perf_counter()
            html = render_page()
            totals.append((time.perf_counter() - start, timer.seconds))
    finally:
        timer.restore()
    assert "E00000049" in html
    total, decrypt = min(totals)
    return total, decrypt, statistics.median(d / t for t, d in totals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--values", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=21, help="interleaved rounds")
    parser.add_argument("--repeat", type=int, default=5, help="page renders")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)

    values = field_values(args.values)
    timings = bench_fields(values, args.rounds)
    n = len(values)
    print(f"encrypt+decrypt of {n:,} values ({args.rounds} interleaved rounds, best round):")
    # "Encryption's cost through the ORM path" is the encrypted field's path minus the same steps
    # on a plaintext field: what choosing an encrypted field adds per value, next to what doing
    # AES-GCM by hand would cost. The whole path (Django's own per-value work included) is
    # printed too.
    for label, name in (
        ("encrypted field, ORM path", "fields"),
        ("plaintext field, ORM path", "plain"),
        ("field seal()+open() only", "cipher"),
        ("raw AES-256-GCM", "raw"),
    ):
        seconds = min(timings[name])
        print(f"  {label:30s}: {seconds * 1e3:7.1f} ms  {seconds / n * 1e6:5.2f} µs/value")

    def ratio(label: str, per_round: Callable[[int], float]) -> None:
        rounds = range(len(timings["raw"]))
        median = statistics.median(per_round(i) / timings["raw"][i] for i in rounds)
        print(f"  {label:44s}: {median:5.2f}")

    print("ratios to raw AES-256-GCM (median of per-round ratios; target <= 2.0):")
    ratio("field encrypt+decrypt (seal+open)", lambda i: timings["cipher"][i])
    ratio(
        "encryption's cost through the ORM path",
        lambda i: timings["fields"][i] - timings["plain"][i],
    )
    ratio("whole ORM path of the encrypted field", lambda i: timings["fields"][i])

    total, decrypt, share = bench_page(args.repeat)
    print("page of 50 clients, 4 encrypted columns, cold key cache (best render):")
    print(f"  render total       : {total * 1000:8.2f} ms")
    print(f"  decrypt + unwrap   : {decrypt * 1000:8.2f} ms")
    print(f"  decryption share   : {share * 100:8.1f} %  (median over runs; target <= 10 %)")


if __name__ == "__main__":
    main()
