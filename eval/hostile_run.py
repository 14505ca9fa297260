"""A hostile run against the service on both stores: malformed, oversized and abusive requests,
counted by status. The goal is no 5xx at all.

    python -m eval.hostile_run [--random 2000]

Runs the real service in-process (real SQLite file and the local PostgreSQL database `test`,
which it resets) with a scripted model, and sends: NUL characters in paths, queries and
bodies; forged cursors; YAML bombs and oversized front matter; junk methods and paths; bad and
guessed API keys; oversized and chunked bodies; unknown fields by the thousand; bad digest and
schedule requests; plus ``--random`` requests with random JSON bodies to every POST route.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def fixed_requests() -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    user = {"role": "user", "content": "Who took command?"}
    md_json = {"content-type": "application/json"}
    bomb = (
        '---\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\ntitle: *c\n---\nx\n"
    )
    plain = {"content-type": "text/plain"}
    out: list[tuple[str, str, dict]] = []  # type: ignore[type-arg]
    for path in ("/v1/reports/%00", "/v1/jobs/%00", "/v1/briefs/a%00b", "/v1/digests/%00"):
        out.append(("GET", path, {}))
    for q in ("source=%00", "tag=%00", "cursor=%00", "published_from=%00"):
        out.append(("GET", f"/v1/reports?{q}", {}))
    for field in ("text", "title", "source", "url"):
        body = {"text": "Russia moved troops.", field: "a\u0000b"}
        out.append(("POST", "/v1/reports", {"json": body}))
    for cursor in ("WyIyMDI0LTAxLTAxVDAwOjAwOjAwIiwieCJd", "!!!", "e30", "W10"):
        out.append(("GET", f"/v1/reports?cursor={cursor}", {}))
    md = {"content-type": "text/markdown"}
    out += [
        ("POST", "/v1/reports", {"content": bomb.encode(), "headers": md}),
        (
            "POST",
            "/v1/reports",
            {"content": ("---\nsource: " + "s" * 300 + "\n---\nx\n").encode(), "headers": md},
        ),
        (
            "POST",
            "/v1/reports",
            {"content": ("---\ntitle: " + "t" * 20000 + "\n---\nx\n").encode(), "headers": md},
        ),
        (
            "POST",
            "/v1/reports?" + "&".join(f"tags=t{i}" for i in range(600)),
            {"content": b"Russia.", "headers": plain},
        ),
        ("POST", "/v1/reports", {"content": b"x" * 9000 + b"\x00", "headers": plain}),
        ("POST", "/v1/reports", {"content": b"\xff\xfe\x00binary", "headers": plain}),
        (
            "POST",
            "/v1/reports",
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
        ),
        ("POST", "/v1/reports", {"content": b"text", "headers": {"content-type": "image/png"}}),
        (
            "POST",
            "/v1/briefs",
            {"json": {"report": {"text": "x"} | {f"k{i}": i for i in range(20000)}}},
        ),
        ("POST", "/v1/briefs", {"json": {"report_id": "nope"}}),
        ("POST", "/v1/briefs?wait=-1", {"json": {"report_id": "nope"}}),
        ("POST", "/v1/digests", {"json": {"since": 0}}),
        (
            "POST",
            "/v1/digests",
            {"json": {"since": "2026-11-29T00:00:00Z", "until": "2026-11-28T00:00:00Z"}},
        ),
        ("POST", "/v1/digests", {"json": {"schedule_id": "nope"}}),
        ("POST", "/v1/digests", {"json": {"filters": {"tags": ["t"] * 60}}}),
        ("POST", "/v1/digest-schedules", {"json": {"name": "x", "cron": "every day"}}),
        (
            "POST",
            "/v1/digest-schedules",
            {"json": {"name": "x", "cron": "0 7 * * *", "timezone": "Mars/Base"}},
        ),
        (
            "POST",
            "/v1/digest-schedules",
            {
                "json": {
                    "name": "x",
                    "cron": "0 7 * * *",
                    "targets": [{"kind": "folder", "folder": "../../etc"}],
                }
            },
        ),
        (
            "POST",
            "/v1/digest-schedules",
            {
                "json": {
                    "name": "x",
                    "cron": "0 7 * * *",
                    "targets": [{"kind": "webhook", "url": "file:///etc/passwd"}],
                }
            },
        ),
        ("PATCH", "/v1/digest-schedules/nope", {"json": {"enabled": False}}),
        ("GET", "/v1/digests/nope?format=pdf", {}),
        ("GET", "/v1/digests?date=yesterday", {}),
        ("GET", "/v1/briefs/nope", {"headers": {"Accept": "text/html;q=nan"}}),
        ("DELETE", "/v1/reports", {}),
        # Chat: OpenAI-compatible routes answer with OpenAI's error body.
        ("POST", "/v1/chat/completions", {"json": {"model": "briefing", "messages": []}}),
        ("POST", "/v1/chat/completions", {"json": {"model": "gpt-4", "messages": [user]}}),
        (
            "POST",
            "/v1/chat/completions",
            {"json": {"model": "briefing", "messages": [user], "tools": [{"type": "x"}]}},
        ),
        (
            "POST",
            "/v1/chat/completions",
            {"json": {"model": "briefing", "messages": [{"role": "user", "content": "a\u0000"}]}},
        ),
        (
            "POST",
            "/v1/chat/completions",
            {"json": {"model": "briefing", "messages": [{"role": "wizard", "content": "x"}]}},
        ),
        (
            "POST",
            "/v1/chat/completions",
            {"json": {"model": "briefing", "messages": [user], "briefing": {"since": 0}}},
        ),
        (
            "POST",
            "/v1/chat/completions",
            {"json": {"model": "briefing", "messages": [user] * 201}},
        ),
        (
            "POST",
            "/v1/chat/completions",
            {"json": {"model": "briefing", "messages": [user], "briefing": {"session_id": "x"}}},
        ),
        ("POST", "/v1/chat/completions", {"content": b"{not json", "headers": md_json}),
        ("GET", "/v1/chat/sessions/nope", {}),
        ("DELETE", "/v1/chat/sessions/nope", {}),
        ("POST", "/v1/chat/sessions", {"json": {"title": "t" * 500}}),
    ]
    out += [(f"JUNK{i}", f"/nowhere/{i}", {}) for i in range(50)]
    return out


def random_json(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(7 if depth < 3 else 5)
    if kind == 0:
        return rng.randint(-(2**40), 2**40)
    if kind == 1:
        return rng.choice(
            ["", "\u0000", "x" * rng.randint(0, 3000), "2026-11-29", "ß\U0001f600", "null"]
        )
    if kind == 2:
        return rng.choice([True, False, None])
    if kind == 3:
        return rng.random() * 1e308
    if kind == 4:
        return "Russia moved troops to the border on Monday, officials said."
    if kind == 5:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    keys = [
        "text",
        "title",
        "source",
        "tags",
        "report_id",
        "report",
        "since",
        "until",
        "filters",
        "schedule_id",
        "name",
        "cron",
        "timezone",
        "targets",
        "kind",
        "url",
        "enabled",
        "x",
    ]
    return {rng.choice(keys): random_json(rng, depth + 1) for _ in range(rng.randint(0, 6))}


def run(store: str, n_random: int) -> Counter[str]:
    from service_fixtures import database_url, running_service

    from briefing.settings import Settings

    tmp = Path(tempfile.mkdtemp())
    settings = Settings(
        database_url=database_url(store, tmp),
        scheduler_enabled=False,
        auth_failures_per_minute=20,
        rate_limit_per_minute=1_000_000,  # the random requests must reach validation
        max_body_bytes=1024 * 1024,
    )
    counts: Counter[str] = Counter()
    with running_service(settings) as (client, _service, key, _model):
        requests = fixed_requests()
        rng = random.Random(11)
        routes = [
            "/v1/reports",
            "/v1/briefs",
            "/v1/digests",
            "/v1/digest-schedules",
            "/v1/chat/completions",
            "/v1/chat/sessions",
        ]
        for _ in range(n_random):
            requests.append(
                (
                    "POST",
                    rng.choice(routes),
                    {
                        "content": json.dumps(random_json(rng)).encode(),
                        "headers": {"content-type": "application/json"},
                    },
                )
            )
        chunked = (b"x" * 65536 for _ in range(20))
        requests.append(
            (
                "POST",
                "/v1/briefs",
                {"content": chunked, "headers": {"content-type": "application/json"}},
            )
        )
        for method, url, kwargs in requests:
            r = client.request(method, url, **kwargs)
            counts[str(r.status_code)] += 1
            if r.status_code >= 500:
                print(f"  5xx: {method} {url} -> {r.status_code} {r.text[:200]}")
        # Guessing keys from one address: 401 until throttled, then 429.
        for i in range(40):
            r = client.get("/v1/reports", headers={"Authorization": f"Bearer guess-{i}"})
            counts[str(r.status_code)] += 1
    _ = key
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--random", type=int, default=2000)
    args = parser.parse_args()
    print("| store | requests | " + " | ".join(["2xx", "4xx", "429", "5xx"]) + " | statuses |")
    print("|---|---|---|---|---|---|---|")
    for store in ("sqlite", "postgres"):
        counts = run(store, args.random)
        total = sum(counts.values())
        ok = sum(v for k, v in counts.items() if k.startswith("2"))
        client_errors = sum(v for k, v in counts.items() if k.startswith("4"))
        server_errors = sum(v for k, v in counts.items() if k.startswith("5"))
        detail = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
        print(
            f"| {store} | {total} | {ok} | {client_errors} | {counts['429']} | {server_errors} | {detail} |"
        )


if __name__ == "__main__":
    main()
