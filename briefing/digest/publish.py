"""Where a digest goes: signed webhooks (Standard Webhooks), Slack-compatible incoming
webhooks, e-mail by SMTP, a folder of files, and an Atom feed of a schedule's digests.

Each sender raises :class:`DeliveryFailed` on anything but success; the delivery runner records
the attempt and retries with backoff.
"""

from __future__ import annotations

import datetime as dt
import json
import smtplib
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx

from briefing.render import render_digest_html, render_digest_markdown
from briefing.schemas.digest import Digest, Phase


class DeliveryFailed(Exception):
    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


def write_folder(digest: Digest, folder: Path, *, name: str) -> list[Path]:
    """The digest as ``NAME.json``, ``NAME.md`` and ``NAME.html`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        folder / f"{name}.json": digest.model_dump_json(indent=2),
        folder / f"{name}.md": render_digest_markdown(digest),
        folder / f"{name}.html": render_digest_html(digest),
    }
    for path, text in files.items():
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return list(files)


def webhook_body(digest: Digest, link: str | None) -> str:
    """The Standard Webhooks event: type, timestamp and the whole digest as data."""
    return json.dumps(
        {
            "type": "digest.created",
            "timestamp": dt.datetime.now(dt.UTC).isoformat(),
            "data": {"url": link, "digest": json.loads(digest.model_dump_json())},
        },
        ensure_ascii=False,
    )


def send_webhook(url: str, body: str, *, secret: str, message_id: str, timeout_s: float) -> int:
    """POST ``body`` signed with ``secret``: webhook-id, webhook-timestamp, webhook-signature."""
    from standardwebhooks.webhooks import Webhook

    now = dt.datetime.now(dt.UTC)
    signature = Webhook(secret).sign(message_id, now, body)
    headers = {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
        "user-agent": "briefing-digest/1",
    }
    return _post(url, body.encode("utf-8"), headers, timeout_s)


def slack_body(digest: Digest, link: str | None) -> str:
    """A Slack-compatible incoming-webhook payload (text plus blocks)."""
    w = digest.window
    title = f"Digest {w.since:%Y-%m-%d %H:%M} to {w.until:%Y-%m-%d %H:%M} UTC"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _slack_escape(digest.bluf)[:2900]}},
    ]
    for e in [e for e in digest.events if e.phase is not Phase.CONTINUING][:8]:
        n = len(e.families)
        basis = f"{n} independent publishers" if n >= 2 else "single source"
        text = (
            f"*{e.rank}. {_slack_escape(e.headline)}* ({basis}, {e.phase.value})\n"
            + _slack_escape(e.bluf)
        )
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}})
    if link:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"<{link}|Full digest>"}]}
        )
    return json.dumps(
        {"text": f"{title}: {digest.bluf}"[:3000], "blocks": blocks}, ensure_ascii=False
    )


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def send_slack(url: str, body: str, *, timeout_s: float) -> int:
    return _post(url, body.encode("utf-8"), {"content-type": "application/json"}, timeout_s)


def _post(url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> int:
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout_s)
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from None
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"HTTP {response.status_code}", response.status_code)
    return response.status_code


def send_email(
    digest: Digest,
    to: Sequence[str],
    *,
    host: str,
    port: int,
    sender: str,
    username: str | None,
    password: str | None,
    starttls: bool,
    timeout_s: float,
) -> None:
    w = digest.window
    message = EmailMessage()
    message["Subject"] = f"Digest {w.since:%Y-%m-%d %H:%M} to {w.until:%Y-%m-%d %H:%M} UTC"
    message["From"] = sender
    message["To"] = ", ".join(to)
    message.set_content(render_digest_markdown(digest))
    message.add_alternative(render_digest_html(digest), subtype="html")
    try:
        with smtplib.SMTP(host, port, timeout=timeout_s) as smtp:
            if starttls:
                smtp.starttls()
            if username and password:
                smtp.login(username, password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryFailed(f"SMTP: {type(exc).__name__}: {exc}") from None


def atom_feed(
    *, feed_id: str, title: str, link: str, entries: Sequence[tuple[str, Digest, str]]
) -> bytes:
    """An Atom feed; ``entries`` are (digest id, digest, its URL), newest first."""
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(title)
    feed.link(href=link, rel="self")
    feed.updated(
        max((d.provenance.created_at for _, d, _ in entries), default=dt.datetime.now(dt.UTC))
    )
    feed.generator("briefing")
    for digest_id, digest, url in reversed(entries):  # feedgen prepends: oldest first in
        w = digest.window
        entry = feed.add_entry()
        entry.id(f"{feed_id}/{digest_id}")
        entry.title(f"Digest {w.since:%Y-%m-%d %H:%M} to {w.until:%Y-%m-%d %H:%M} UTC")
        entry.link(href=url)
        entry.updated(digest.provenance.created_at)
        entry.summary(digest.bluf)
        entry.content(render_digest_html(digest), type="html")
    return bytes(feed.atom_str(pretty=True))
