"""Broker addresses: amqp(s):// URLs and Pulp's tcp:// / ssl:// urls, parsed and masked. Pure.

We parse URLs ourselves rather than through pika.URLParameters or urllib's `.port`, whose
error messages echo parts of the password ("Port could not be cast ... 's3cr'").
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple
from urllib.parse import unquote

from pulp_amqp_tools.errors import UsageError

SCHEMES = {"amqp": (5672, False), "amqps": (5671, True), "tcp": (5672, False), "ssl": (5671, True)}


class BrokerUrl(NamedTuple):
    """The parts of one broker URL; None where the URL leaves a part unsaid."""

    host: str | None
    port: int | None
    tls: bool
    username: str | None = None
    password: str | None = None
    vhost: str | None = None

    def __repr__(self) -> str:  # never the password
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields if name != "password")
        return f"BrokerUrl({shown})"


def mask(url: str) -> str:
    """`url` with any password replaced by ****, safe for messages and logs.

    The user info ends at the last "@", not at the first "/": a password pasted with a raw
    "/", "?", "#" or "@" in it is still hidden (we would rather hide too much than too little).
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    userinfo, at, tail = rest.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:****@{tail}"


@cache
def _url_in_text() -> re.Pattern[str]:
    return re.compile(r"\S+://\S+")  # compiled only when a message quotes what was typed


def has_password(text: str) -> bool:
    """True when `text` looks like a URL with a password (`scheme://user:secret@...`)."""
    _scheme, sep, rest = text.partition("://")
    userinfo, at, _tail = rest.rpartition("@")
    return bool(sep and at and ":" in userinfo)


def mask_all(text: str, typed: list[str] | None = None) -> str:
    """`text` with the password of every URL in it masked (for messages that quote what was typed).

    `typed`: the arguments as given. Each that looks like a URL with a password is replaced
    whole wherever it appears, so a password with a space in it ("amqp://x:y z@h") is hidden
    entirely, not up to the space as the pattern alone would.
    """
    for arg in sorted((a for a in typed or () if has_password(a)), key=len, reverse=True):
        text = text.replace(arg, mask(arg))
    return _url_in_text().sub(lambda found: mask(found.group()), text)


def parse_port(text: str, where: str) -> int:
    """A TCP port 1-65535, or a UsageError that names where it came from (never the value's neighbours)."""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        shown = mask(text)  # masked before it is cut short: a cut can leave half a password
        shown = shown if len(shown) <= 20 else shown[:20] + "..."
        raise UsageError(f"{where}: port must be a number from 1 to 65535, not {shown!r}")
    return int(text)


def parse(url: str) -> BrokerUrl:
    """Parse amqp://user:pass@host:port/vhost (also amqps://, tcp://, ssl://)."""
    shown = mask(url)
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in SCHEMES:
        raise UsageError(f"broker URL {shown!r}: scheme must be one of amqp://, amqps:// (or Pulp's tcp://, ssl://)")
    _default_port, tls = SCHEMES[scheme]
    raw = rest
    rest = rest.split("?", 1)[0].split("#", 1)[0]
    netloc, _slash, path = rest.partition("/")
    if "@" in raw[len(netloc) :]:
        # A raw "/", "?" or "#" in a password ends the host part early: say so, quoting nothing of it.
        raise UsageError(
            f"broker URL {shown!r}: percent-encode '@', '/', '?' and '#' in the user name, "
            "password and vhost (%40, %2F, %3F, %23)"
        )
    userinfo, at, hostport = netloc.rpartition("@")
    username = password = None
    if at:
        user, colon, secret = userinfo.partition(":")
        username = unquote(user)
        password = unquote(secret) if colon else None
    host, port = _split_hostport(hostport, f"broker URL {shown!r}")
    vhost = unquote(path) if path else None
    return BrokerUrl(host=host, port=port, tls=tls, username=username, password=password, vhost=vhost)


def _split_hostport(hostport: str, where: str) -> tuple[str | None, int | None]:
    if hostport.startswith("["):  # [IPv6]:port
        end = hostport.find("]")
        if end < 0:
            raise UsageError(f"{where}: unclosed '[' in the host")
        host, tail = hostport[1:end], hostport[end + 1 :]
        if tail and not tail.startswith(":"):
            raise UsageError(f"{where}: unexpected text after the host")
        port_text = tail[1:] if tail else ""
    else:
        host, _colon, port_text = hostport.partition(":")
    port = parse_port(port_text, where) if port_text else None
    return (unquote(host) or None), port
