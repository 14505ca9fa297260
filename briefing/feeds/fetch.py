"""Fetching feeds and pages from the web without becoming a way into the network.

Only ``http`` and ``https``. The host is resolved first and every address it resolves to
must be public (not loopback, private, link-local, multicast or reserved) unless
``BRIEFING_FETCH_ALLOW`` names the host or a network holding the address. Redirects are
followed by hand, each target checked the same way. The body is read in chunks and cut off
at ``BRIEFING_FETCH_MAX_BYTES``; the whole fetch, redirects included, must finish within
``BRIEFING_FETCH_TIMEOUT_S``. Conditional requests (``ETag``, ``Last-Modified``) are sent when
the caller knows them. Nothing fetched is executed: bodies are bytes for the parsers.

The connection goes to the address that was checked (the URL's host replaced by it, the
name kept in the Host header and, for https, in SNI and the certificate check), so a name
that would resolve to a public address when checked and a private one when connected (DNS
rebinding) cannot slip through.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from briefing.errors import FetchError, FetchRefusedError, InputError
from briefing.settings import Settings

MAX_REDIRECTS = 5
USER_AGENT = "briefing-feeds/1.0"


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int
    body: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    redirects: list[str] = field(default_factory=list)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def check_url(url: str, settings: Settings, *, unresolved_ok: bool = False) -> str | None:
    """Refuse a URL that is not http(s) or whose host resolves to an address that is not
    public and not allowed; a host that does not resolve is an InputError, unless
    ``unresolved_ok`` (a feed may be created before its host resolves from here). Returns
    the checked address to connect to (None: a host the allow-list names, connected by
    name)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchRefusedError(f"only http and https URLs can be fetched, not {url[:200]!r}")
    host = parts.hostname
    allowed = _allowed(settings.fetch_allow)
    if host.lower() in allowed.hosts:
        return None
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        if unresolved_ok:
            return None
        raise InputError(f"cannot resolve the host of {url[:200]!r}: {exc}", url=url) from exc
    checked: list[str] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        checked.append(str(address))
        if address.is_global:
            continue
        if any(address in network for network in allowed.networks):
            continue
        raise FetchRefusedError(
            f"{host!r} resolves to {address}, a loopback, private or link-local address; "
            "BRIEFING_FETCH_ALLOW can name it",
            url=url,
        )
    return checked[0] if checked else None


def _pinned(url: str, address: str | None) -> tuple[str, dict[str, str], dict[str, str]]:
    """The request for ``url`` sent to the checked ``address`` (no second lookup that a DNS
    rebinding could answer differently): the URL with the address as its host, the Host
    header, and for https the name for SNI and certificate checks."""
    if address is None:
        return url, {}, {}
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    literal = f"[{address}]" if ":" in address else address
    target = urlunsplit(parts._replace(netloc=f"{literal}{port}"))
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    return target, {"Host": f"{host}{port}"}, extensions


@dataclass(frozen=True)
class _Allowed:
    hosts: frozenset[str]
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


def _allowed(entries: list[str]) -> _Allowed:
    hosts, networks = set(), []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            hosts.add(entry.lower())
    return _Allowed(frozenset(hosts), tuple(networks))


def fetch(
    url: str,
    settings: Settings,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    accept: str = "*/*",
) -> Fetched:
    """GET ``url`` within the limits above; a 304 comes back as ``Fetched.not_modified``.
    Raises FetchRefusedError for a refused URL and FetchError for every failure."""
    deadline = time.monotonic() + settings.fetch_timeout_s
    headers = {"User-Agent": USER_AGENT, "Accept": accept}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    redirects: list[str] = []
    current = url
    with httpx.Client(follow_redirects=False, trust_env=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            target, pinned, extensions = _pinned(current, check_url(current, settings))
            left = deadline - time.monotonic()
            if left <= 0:
                raise FetchError(f"fetching {url} took over {settings.fetch_timeout_s} s", url=url)
            try:
                with client.stream(
                    "GET",
                    target,
                    headers=headers | pinned,
                    extensions=extensions,
                    timeout=httpx.Timeout(left),
                ) as response:
                    if response.is_redirect and "location" in response.headers:
                        redirects.append(current)
                        current = urljoin(current, response.headers["location"])
                        continue
                    if response.status_code == 304:
                        return Fetched(url=current, status=304, redirects=redirects)
                    if response.status_code >= 400:
                        raise FetchError(
                            f"{current} answered {response.status_code}",
                            url=current,
                            status=response.status_code,
                        )
                    body = _read(response, settings, deadline, current)
                    return Fetched(
                        url=current,
                        status=response.status_code,
                        body=body,
                        content_type=response.headers.get("content-type", ""),
                        etag=response.headers.get("etag"),
                        last_modified=response.headers.get("last-modified"),
                        redirects=redirects,
                    )
            except httpx.TimeoutException as exc:
                raise FetchError(
                    f"fetching {current} took over {settings.fetch_timeout_s} s", url=current
                ) from exc
            except httpx.HTTPError as exc:
                raise FetchError(f"fetching {current} failed: {exc}", url=current) from exc
    raise FetchError(f"{url} redirected more than {MAX_REDIRECTS} times", url=url)


def _read(response: httpx.Response, settings: Settings, deadline: float, url: str) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.fetch_max_bytes:
        raise FetchError(
            f"{url} is {declared} bytes, over BRIEFING_FETCH_MAX_BYTES", url=url, bytes=declared
        )
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > settings.fetch_max_bytes:
            raise FetchError(f"{url} is over BRIEFING_FETCH_MAX_BYTES", url=url)
        if time.monotonic() > deadline:
            raise FetchError(f"fetching {url} took over {settings.fetch_timeout_s} s", url=url)
        chunks.append(chunk)
    return b"".join(chunks)
