"""The ``briefing`` command line. Exit codes: 0 ok, 2 bad input, 3 model backend or database
unavailable, 4 configuration error, 5 invalid model output. Errors are one line on stderr,
never a traceback."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from briefing.errors import BriefingError, InputError, NotFoundError

if TYPE_CHECKING:
    from briefing.cache import KVLLMCache
    from briefing.store import Database

app = typer.Typer(
    name="briefing",
    help="Grounded, structured briefs from reports (news, intelligence and think-tank updates).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class OutputFormat(StrEnum):
    json = "json"
    md = "md"


def _fail(exc: BriefingError) -> typer.Exit:
    first_line = exc.message.splitlines()[0] if exc.message else type(exc).__name__
    err.print(f"[bold red]error:[/] {first_line}", markup=True, soft_wrap=True)
    return typer.Exit(code=exc.exit_code)


@app.callback()
def main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log details to stderr.")
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not verbose:
        for noisy in ("httpx", "openai", "briefing.llm.structured"):
            logging.getLogger(noisy).setLevel(logging.ERROR)


@app.command()
def brief(
    file: Annotated[
        str, typer.Argument(help="Report file (text, Markdown or HTML), or - for standard input.")
    ],
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output: json or md (Markdown).")
    ] = OutputFormat.json,
    content_type: Annotated[
        str | None,
        typer.Option(
            "--content-type",
            help="Override format detection: text/plain, text/markdown or text/html.",
        ),
    ] = None,
    cache: Annotated[bool, typer.Option("--cache", help=_CACHE_HELP)] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
) -> None:
    """Print a grounded brief of FILE on the configured model (embedded by default).

    The model endpoint comes from BRIEFING_LLM_BASE_URL (unset: the embedded SmolLM2 server);
    see the README for every BRIEFING_ setting.
    """
    from briefing.chains.brief import BriefChain
    from briefing.ingest import load_report
    from briefing.render import render_markdown
    from briefing.settings import get_settings

    def progress(message: str) -> None:
        if not quiet:
            err.print(f"[dim]…[/] {message}", markup=True, soft_wrap=True)

    try:
        settings = get_settings()
        if file == "-":
            data, name = sys.stdin.buffer.read(), None
        else:
            path = Path(file)
            if not path.is_file():
                raise InputError(f"no such file: {file}")
            data, name = path.read_bytes(), path.name
        report = load_report(
            data, filename=name, content_type=content_type, max_bytes=settings.max_input_bytes
        )
        llm_cache = _llm_cache(progress) if cache else None
        result = BriefChain(settings, progress=progress, llm_cache=llm_cache).run(report)
        _cache_summary(llm_cache, progress)
    except BriefingError as exc:
        raise _fail(exc) from None
    except KeyboardInterrupt:
        err.print("interrupted")
        raise typer.Exit(code=130) from None
    except Exception as exc:  # a bug: say so in one line, details with --verbose
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {exc}", markup=True)
        raise typer.Exit(code=1) from None
    if output_format is OutputFormat.md:
        sys.stdout.write(render_markdown(result))
    else:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs) on the configured model."""
    import uvicorn

    from briefing.settings import QueueKind, get_settings
    from briefing.tasks import broker_url

    settings = get_settings()
    if settings.queue is QueueKind.CELERY:
        try:
            broker_url(settings)  # a missing broker: one line here, not a startup traceback
        except BriefingError as exc:
            raise _fail(exc) from None

    # By import string: the api package depends on briefing, never the reverse. The protocol
    # is uvicorn's h11 one with header and body read deadlines (slow clients are cut off).
    uvicorn.run(
        "briefing_api.app:create_app",
        factory=True,
        host=host,
        port=port,
        log_level="info",
        http="briefing_api.server:GuardedH11Protocol",
        timeout_keep_alive=5,
    )


@app.command()
def worker(
    concurrency: Annotated[
        int, typer.Option(min=1, max=64, help="Tasks run at once (one process each).")
    ] = 1,
    loglevel: Annotated[str, typer.Option(help="Celery's log level.")] = "INFO",
) -> None:
    """Run a Celery worker for BRIEFING_QUEUE=celery: it makes the briefs, digests, feed polls
    and deliveries that `briefing serve` processes accept (same database, broker in
    BRIEFING_BROKER_URL). Start as many as you like, on any machine. Each runs a `briefing
    sweep` of its own as a child process, started again if it dies."""
    import os

    from briefing.settings import QueueKind, get_settings
    from briefing.tasks import QUEUE, app_for, sweep_keeper

    settings = get_settings()
    try:
        celery = app_for(settings)
    except BriefingError as exc:
        raise _fail(exc) from None
    if settings.queue is not QueueKind.CELERY:
        err.print(
            "… note: BRIEFING_QUEUE is not 'celery' here: this worker gets tasks only from "
            "services started with BRIEFING_QUEUE=celery"
        )
    verbose = logging.getLogger().isEnabledFor(logging.INFO)
    celery.steps["worker"].add(sweep_keeper(verbose, every_s=settings.sweep_s))
    err.print(f"… worker {os.getpid()}: {concurrency} process(es) on queue {QUEUE!r}")
    celery.worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            f"--loglevel={loglevel}",
            f"--queues={QUEUE}",
            "--pool=prefork",
            f"--hostname=briefing-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
        ]
    )


@app.command()
def sweep(
    once: Annotated[
        bool, typer.Option("--once", help="Sweep once, print what was done (JSON), exit.")
    ] = False,
) -> None:
    """Requeue work whose process died, resend tasks lost by the broker and send due
    deliveries, every BRIEFING_SWEEP_S seconds until stopped (SIGTERM or Ctrl-C). Each
    `briefing worker` runs one of its own; run it alone for a sweep without a worker."""
    import signal
    import threading

    from briefing.settings import get_settings
    from briefing.tasks import Sweeper

    sweeper = Sweeper(get_settings())
    if once:
        try:
            done = sweeper.sweep()
        except BriefingError as exc:
            raise _fail(exc) from None
        sys.stdout.write(json.dumps(done) + "\n")
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    sweeper.run(stop)


keys_app = typer.Typer(help="Manage API keys for the HTTP API.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


_CACHE_HELP = (
    "Keep the model's answers in BRIEFING_DATABASE_URL (or BRIEFING_REDIS_URL), shared with "
    "a local `briefing serve`: a rerun on unchanged reports, prompts and model asks the "
    "model nothing it has answered before."
)


def _llm_cache(progress: Callable[[str], None]) -> KVLLMCache | None:
    """The model-answer cache of --cache; a cache that cannot be opened is said and skipped."""
    from briefing.cache import KVLLMCache, make_kv
    from briefing.settings import get_settings

    settings = get_settings()
    try:
        db = _db()
    except BriefingError as exc:
        progress(f"running without the cache: {exc.message}")
        return None
    return KVLLMCache(make_kv(db, settings.redis_url, "llm"), settings.cache_ttl_s)


def _cache_summary(cache: KVLLMCache | None, progress: Callable[[str], None]) -> None:
    if cache is not None:
        progress(f"model answers: {cache.hits} from the cache, {cache.misses} asked")


def _db() -> Database:
    from briefing.settings import get_settings
    from briefing.store import Database

    db = Database(get_settings().database_url)
    db.migrate()
    return db


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option("--name", help="Who or what uses the key.")],
    rate_limit: Annotated[
        int | None,
        typer.Option(help="Requests a minute (default: BRIEFING_RATE_LIMIT_PER_MINUTE)."),
    ] = None,
    scope: Annotated[
        list[str] | None,
        typer.Option(
            "--scope",
            help="read (GET), write (POST, PATCH, DELETE), admin (/metrics); repeat for several. "
            "Default: read and write.",
        ),
    ] = None,
    expires_in_days: Annotated[
        float | None, typer.Option(help="The key stops working after this many days.")
    ] = None,
) -> None:
    """Create a key and print it once (only its hash is stored)."""
    from briefing.store.keys import DEFAULT_SCOPES, create_key

    expires = (
        dt.datetime.now(dt.UTC) + dt.timedelta(days=expires_in_days) if expires_in_days else None
    )
    try:
        row, plaintext = create_key(
            _db(), name, rate_limit, scopes=tuple(scope or DEFAULT_SCOPES), expires_at=expires
        )
    except BriefingError as exc:
        raise _fail(exc) from None
    err.print(
        f"created key {row.id} ({row.prefix}…) for {name}, scopes {row.scopes}; "
        "it is shown only now:"
    )
    sys.stdout.write(plaintext + "\n")


@keys_app.command("list")
def keys_list() -> None:
    """List keys (id, prefix, name, scopes, created, state)."""
    from briefing.store.keys import list_keys

    now = dt.datetime.now(dt.UTC)
    for row in list_keys(_db()):
        if row.revoked_at:
            state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}"
        elif row.expires_at and row.expires_at <= now:
            state = f"expired {row.expires_at:%Y-%m-%d %H:%M}"
        elif row.expires_at:
            state = f"active until {row.expires_at:%Y-%m-%d %H:%M}"
        else:
            state = "active"
        sys.stdout.write(
            f"{row.id}\t{row.prefix}…\t{row.name}\t{row.scopes}\t"
            f"{row.created_at:%Y-%m-%d}\t{state}\n"
        )


@keys_app.command("audit")
def keys_audit(
    key: Annotated[str | None, typer.Option(help="Only this key id.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Newest entries shown.")] = 100,
) -> None:
    """The audit log of key use, newest first: time, key id, method, route, status (never the
    key or what was sent)."""
    from briefing.store.audit import recent_uses

    for row in recent_uses(_db(), key, limit):
        sys.stdout.write(
            f"{row.at:%Y-%m-%dT%H:%M:%SZ}\t{row.key_id}\t{row.method}\t{row.route}\t{row.status}\n"
        )


@keys_app.command("rotate")
def keys_rotate(
    key: Annotated[str, typer.Argument(help="Key id or prefix.")],
    grace_hours: Annotated[
        float, typer.Option(help="Hours the old key keeps working while users switch.")
    ] = 24.0,
) -> None:
    """Make a new key like KEY (name, scopes, rate limit) and expire KEY after a grace period;
    prints the new key once."""
    from briefing.store.keys import rotate_key

    rotated = rotate_key(_db(), key, dt.timedelta(hours=grace_hours))
    if rotated is None:
        err.print(f"[bold red]error:[/] no active key {key}", markup=True)
        raise typer.Exit(code=2)
    row, plaintext = rotated
    err.print(
        f"new key {row.id} ({row.prefix}…); {key} stops working in {grace_hours:g} hours. "
        "The new key is shown only now:"
    )
    sys.stdout.write(plaintext + "\n")


@keys_app.command("revoke")
def keys_revoke(key: Annotated[str, typer.Argument(help="Key id or prefix.")]) -> None:
    """Revoke a key (takes effect within seconds)."""
    from briefing.store.keys import revoke_key

    if not revoke_key(_db(), key):
        err.print(f"[bold red]error:[/] no active key {key}", markup=True)
        raise typer.Exit(code=2)
    err.print(f"revoked {key}")


feeds_app = typer.Typer(
    help="RSS and Atom feeds whose items become reports (polled by `briefing serve`).",
    no_args_is_help=True,
)
app.add_typer(feeds_app, name="feeds")


@feeds_app.command("add")
def feeds_add(
    url: Annotated[str, typer.Argument(help="The feed's http(s) URL.")],
    name: Annotated[
        str | None, typer.Option(help="Source name for its reports (default: the site's).")
    ] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Tag its reports; repeat.")] = None,
    interval: Annotated[int, typer.Option(help="Seconds between polls.")] = 900,
    reliability: Annotated[
        str | None, typer.Option(help="The publisher's Admiralty reliability, A-F.")
    ] = None,
) -> None:
    """Subscribe to a feed; prints its id."""
    from pydantic import ValidationError

    from briefing.feeds.poll import check_feed
    from briefing.schemas.feed import FeedIn
    from briefing.settings import get_settings
    from briefing.store.feeds import create_feed

    try:
        spec = FeedIn.model_validate(
            {
                "url": url,
                "name": name,
                "tags": tag or [],
                "interval_s": interval,
                "reliability": reliability,
            }
        )
        check_feed(get_settings(), url=spec.url, interval_s=spec.interval_s)
        row = create_feed(_db(), spec, None)
    except ValidationError as exc:
        raise _fail(InputError(str(exc.errors()[0]["msg"]))) from None
    except BriefingError as exc:
        raise _fail(exc) from None
    err.print(f"subscribed to {url} every {interval} s")
    sys.stdout.write(row.id + "\n")


@feeds_app.command("list")
def feeds_list() -> None:
    """List feeds (id, URL, name, interval, last poll, failures in a row)."""
    from briefing.store.feeds import list_feeds

    for row in list_feeds(_db()):
        polled = f"{row.last_polled_at:%Y-%m-%d %H:%M}" if row.last_polled_at else "never"
        state = "" if row.enabled else "\tdisabled"
        sys.stdout.write(
            f"{row.id}\t{row.url}\t{row.name or '-'}\t{row.interval_s}s\t"
            f"polled {polled}\tfailures {row.failures}{state}\n"
        )


@feeds_app.command("poll")
def feeds_poll(
    feed_id: Annotated[
        str | None, typer.Argument(help="One feed's id; default: every enabled feed.")
    ] = None,
) -> None:
    """Poll feeds now and print what each poll did (JSON lines)."""
    from briefing.feeds.poll import poll_feed
    from briefing.settings import get_settings
    from briefing.store.feeds import get_feed, list_feeds

    db = _db()
    if feed_id:
        row = get_feed(db, feed_id)
        if row is None:
            raise _fail(NotFoundError(f"no feed with id {feed_id}"))
        rows = [row]
    else:
        rows = [r for r in list_feeds(db) if r.enabled]
    for row in rows:
        err.print(f"polling {row.url}")
        result = poll_feed(db, get_settings(), row)
        sys.stdout.write(result.model_dump_json() + "\n")


@app.command("eval")
def evaluate(
    dataset: Annotated[
        Path,
        typer.Argument(
            help="A dataset folder: eval/data/wikievents-dev, eval/data/ecbplus-dev or "
            "eval/data/ecbplus-train."
        ),
    ],
    limit: Annotated[int | None, typer.Option(help="Only the first N documents.")] = None,
    part: Annotated[
        str | None,
        typer.Option(
            help="Only one part of a split dataset: 'tune' (rules may be fitted on it) or "
            "'report' (not used for tuning). Default: both, printed side by side."
        ),
    ] = None,
    model: Annotated[
        bool,
        typer.Option(
            "--model/--no-model",
            help="--no-model makes code-only briefs without starting any model: the actor "
            "figures are the same (actors come from the analysis pass), in about a minute.",
        ),
    ] = True,
    out: Annotated[Path, typer.Option(help="Where the JSON and Markdown go.")] = Path(
        "eval/results"
    ),
) -> None:
    """Score named actors (recall, precision) against gold annotations, with the spaCy pass alone
    as the baseline in the same run; also schema validity, grounding, latency and tokens.
    Datasets with a split.json print the tuning part and the untuned part side by side; those
    with gold event clusters (ECB+) also score the digest's clustering (B-cubed, ARI) against a
    TF-IDF average-link baseline."""
    from briefing.chains.brief import BriefChain
    from briefing.evaluation.harness import run_eval, write_results
    from briefing.settings import get_settings

    try:
        chain = BriefChain(get_settings())
        if part not in (None, "tune", "report"):
            raise InputError(f"--part must be 'tune' or 'report', not {part!r}")
        run = run_eval(
            dataset,
            chain,
            limit=limit,
            part=part,
            use_model=model,
            progress=lambda m: err.print(f"[dim]…[/] {m}", markup=True),
        )
    except BriefingError as exc:
        raise _fail(exc) from None
    json_path, md_path = write_results(run, out)
    sys.stdout.write(md_path.read_text())
    err.print(f"written: {json_path}, {md_path}")
    if part is None:
        from briefing.evaluation.clustering import clustering_table, evaluate_clustering

        scores = evaluate_clustering(
            dataset, progress=lambda m: err.print(f"[dim]…[/] {m}", markup=True)
        )
        if scores:
            table = clustering_table(scores)
            sys.stdout.write("\n" + table)
            with md_path.open("a", encoding="utf-8") as handle:
                handle.write("\n" + table)


@app.command("cluster")
def cluster_reports(
    folder: Annotated[Path, typer.Argument(help="A folder of .txt, .md or .html reports.")],
) -> None:
    """Cluster the reports of a folder into events, with the clustering digests use; print
    {"clusters": [{"id": ..., "files": [...]}, ...]}."""
    from briefing.digest.cluster import cluster, signals_of_files

    try:
        if not folder.is_dir():
            raise InputError(f"not a folder: {folder}")
        files = sorted(
            p for p in folder.iterdir() if p.suffix.lower() in (".txt", ".md", ".html", ".htm")
        )
        if not files:
            raise InputError(f"{folder} holds no .txt, .md or .html reports")
        signals = signals_of_files(
            files, progress=lambda m: err.print(f"[dim]…[/] {m}", markup=True)
        )
        groups = cluster(signals).groups()
    except BriefingError as exc:
        raise _fail(exc) from None
    clusters = [
        {"id": f"E{n}", "files": [files[i].name for i in group]}
        for n, group in enumerate(groups, 1)
    ]
    err.print(f"{len(files)} reports in {len(clusters)} clusters")
    sys.stdout.write(json.dumps({"clusters": clusters}, indent=2, ensure_ascii=False) + "\n")


class SchemaName(StrEnum):
    brief = "brief"
    digest = "digest"


@app.command()
def schema(
    name: Annotated[SchemaName, typer.Argument(help="brief or digest.")] = SchemaName.brief,
) -> None:
    """Print the JSON Schema of a brief or a digest."""
    from briefing.schemas import brief_json_schema
    from briefing.schemas.digest import digest_json_schema

    published = brief_json_schema() if name is SchemaName.brief else digest_json_schema()
    sys.stdout.write(json.dumps(published, indent=2) + "\n")


class DigestFormat(StrEnum):
    json = "json"
    md = "md"
    html = "html"


def _report_files(paths: list[Path]) -> list[Path]:
    suffixes = (".txt", ".md", ".html", ".htm")
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix.lower() in suffixes)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"no such file or folder: {path}")
    if not files:
        raise InputError("no .txt, .md or .html reports in " + ", ".join(map(str, paths)))
    return files


def _utc(value: str | None, option: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option}: not an ISO date or time: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


@app.command()
def digest(
    paths: Annotated[
        list[Path], typer.Argument(help="Report files (text, Markdown, HTML) or folders of them.")
    ],
    since: Annotated[
        str | None,
        typer.Option(help="Window start, ISO date or time (UTC unless given)."),
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Window end, ISO date or time; default: now.")
    ] = None,
    output_format: Annotated[
        DigestFormat, typer.Option("--format", "-f", help="Output: json, md or html.")
    ] = DigestFormat.json,
    out: Annotated[
        Path | None,
        typer.Option(help="Also write the digest to this folder (JSON, Markdown and HTML)."),
    ] = None,
    no_model: Annotated[
        bool,
        typer.Option(
            "--no-model", help="Code only: briefs and event wording without any model call."
        ),
    ] = False,
    cache: Annotated[bool, typer.Option("--cache", help=_CACHE_HELP)] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
) -> None:
    """Build a digest of report files with no service running: brief each report, fold
    near-duplicates, cluster into events, count independent sources, find contradictions.

    Reports are in the window by their published date (front matter or metadata line),
    else by their file's modification time. Without --since the window starts at the
    earliest one.
    """
    from briefing.chains.brief import BriefChain
    from briefing.digest.inputs import DigestItem, in_window
    from briefing.digest.make import digest_builder
    from briefing.digest.publish import write_folder
    from briefing.ingest import load_report
    from briefing.render import render_digest_html, render_digest_markdown
    from briefing.settings import get_settings

    def progress(message: str) -> None:
        if not quiet:
            err.print(f"[dim]…[/] {message}", markup=True, soft_wrap=True)

    try:
        settings = get_settings()
        files = _report_files(paths)
        open_start = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
        start = _utc(since, "--since") or open_start
        end = _utc(until, "--until") or dt.datetime.now(dt.UTC)
        if end <= start:
            raise InputError("--until must be after --since")
        llm_cache = _llm_cache(progress) if cache and not no_model else None
        chain = BriefChain(
            settings, progress=progress if not no_model else None, llm_cache=llm_cache
        )
        items = []
        for n, path in enumerate(files, 1):
            report = load_report(
                path.read_bytes(), filename=path.name, max_bytes=settings.max_input_bytes
            )
            received = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
            if not in_window(report.published, received, start, end):
                continue
            progress(f"briefing {n}/{len(files)}: {path.name}")
            made = chain.run(report, use_model=not no_model)
            items.append(DigestItem(id=path.name, report=report, brief=made, received=received))
        progress(f"{len(items)} of {len(files)} reports in the window")
        if start == open_start:  # no --since: the window starts at the earliest report
            start = min((i.when for i in items), default=end - dt.timedelta(days=1))
        builder = digest_builder(chain, use_model=not no_model, progress=progress)
        result = builder.build(items, since=start, until=end)
        _cache_summary(llm_cache, progress)
        if out is not None:
            for written in write_folder(result, out, name=f"digest-{end:%Y%m%dT%H%M%S}"):
                progress(f"wrote {written}")
    except BriefingError as exc:
        raise _fail(exc) from None
    except KeyboardInterrupt:
        err.print("interrupted")
        raise typer.Exit(code=130) from None
    if output_format is DigestFormat.md:
        sys.stdout.write(render_digest_markdown(result))
    elif output_format is DigestFormat.html:
        sys.stdout.write(render_digest_html(result))
    else:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")


if __name__ == "__main__":  # pragma: no cover
    app()
