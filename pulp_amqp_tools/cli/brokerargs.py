"""Where and how to reach the broker: the options both commands share, resolved once. Pure.

Precedence, highest first: -a/-p, then -u (or AMQP_URL), then `[messaging] url` in Pulp's
server.conf, then localhost:5672 as guest on vhost "/".
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field

from pulp_amqp_tools.cli import credentials, pulpconf, urls
from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages.subjects import check_name

DEFAULT_HOST = "localhost"
DEFAULT_PORT = 5672
DEFAULT_HEARTBEAT = 10
DEFAULT_CONNECT_TIMEOUT = 5.0
INSECURE_WARNING = (
    "--insecure: the broker's certificate is not verified, so anyone on the network path "
    "can pose as the broker and read the password and the messages"
)
DEFAULT_BLOCKED_TIMEOUT = 30.0


@dataclass(frozen=True)
class BrokerSettings:
    """Everything needed to open a connection; `describe()` is safe to print (no password)."""

    endpoints: tuple[tuple[str, int], ...] = ((DEFAULT_HOST, DEFAULT_PORT),)
    username: str = "guest"
    password: str = field(default="guest", repr=False)
    vhost: str = "/"
    tls: bool = False
    heartbeat: int = DEFAULT_HEARTBEAT
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    connection_name: str = "pulp-amqp-tools"
    tls_cacert: str | None = None  # PEM CA bundle; None: the system's CAs
    tls_cert: str | None = None  # client certificate (PEM), its key in tls_key or in the same file
    tls_key: str | None = None
    tls_server_name: str | None = None  # name to verify the certificate against (and SNI); None: the host
    tls_verify: bool = True  # False only with --insecure
    warnings: tuple[str, ...] = field(default=(), compare=False)  # for stderr before connecting
    reconnect: bool = True  # after the first connection, reconnect on loss instead of exiting
    blocked_timeout: float = DEFAULT_BLOCKED_TIMEOUT  # give up when a resource alarm blocks us this long

    def describe(self) -> str:
        host, port = self.endpoints[0]
        shown = f"[{host}]" if ":" in host else host
        more = f" (+{len(self.endpoints) - 1} more)" if len(self.endpoints) > 1 else ""
        return f"{'amqps' if self.tls else 'amqp'}://{self.username}@{shown}:{port}{more}"


def port_type(text: str) -> int:
    try:
        return urls.parse_port(text, "-p/--port")
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc).split(": ", 1)[1]) from None


def _finite(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, not {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected {what}, not {text!r}")
    return value


def positive_float(text: str) -> float:
    """A number of seconds above 0 (timeouts)."""
    value = _finite(text, "a number of seconds")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, not {text!r}")
    return value


def non_negative_float(text: str) -> float:
    """A number of at least 0 (rates and speeds, where 0 means "no limit")."""
    value = _finite(text, "a number")
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a number of at least 0, not {text!r}")
    return value


def positive_int(text: str) -> int:
    if not (text.strip().isascii() and text.strip().isdigit()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return int(text)


def non_negative_int(text: str) -> int:
    if not (text.strip().isascii() and text.strip().isdigit()):
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 0, not {text!r}")
    return int(text)


def exit_code(text: str) -> int:
    """A process exit status a handler can return to mean something: 1 to 255."""
    if not (text.strip().isascii() and text.strip().isdigit()) or not 1 <= int(text) <= 255:
        raise argparse.ArgumentTypeError(f"expected an exit status from 1 to 255, not {text!r}")
    return int(text)


def add_broker_arguments(parser: argparse.ArgumentParser) -> None:
    """The connection options of both commands."""
    group = parser.add_argument_group("broker connection")
    group.add_argument(
        "-a",
        "--address",
        metavar="HOST",
        help=f"hostname to connect to; comma-separated for the nodes of a cluster (default: "
        f"{DEFAULT_HOST}, or the host of the URL)",
    )
    group.add_argument(
        "-p", "--port", type=port_type, help=f"port to connect to (default: {DEFAULT_PORT}, or the port of the URL)"
    )
    group.add_argument(
        "-u",
        "--url",
        action="append",
        metavar="URL",
        help="amqp://user:pass@host:port/vhost (vhost percent-encoded, / is %%2F); "
        "repeat for the nodes of a cluster (default: $AMQP_URL, else the [messaging] "
        "url of the config file, else amqp://guest:guest@localhost:5672/%%2F)",
    )
    group.add_argument(
        "--config",
        metavar="FILE",
        help=f"Pulp server config to take defaults from (default: {pulpconf.DEFAULT_CONFIG} when it exists)",
    )
    group.add_argument(
        "--heartbeat",
        type=int,
        default=DEFAULT_HEARTBEAT,
        metavar="SECS",
        help=f"AMQP heartbeat interval; 0 turns heartbeats off (default: {DEFAULT_HEARTBEAT})",
    )
    group.add_argument(
        "--connect-timeout",
        type=positive_float,
        default=DEFAULT_CONNECT_TIMEOUT,
        metavar="SECS",
        help=f"give up connecting after SECS (default: {DEFAULT_CONNECT_TIMEOUT:g})",
    )
    group.add_argument(
        "--connection-name",
        metavar="NAME",
        help="name shown for the connection in the broker's management tools "
        "(default: pulp-listen-<random> or pulp-emit-<random>)",
    )
    group.add_argument(
        "--user",
        metavar="NAME",
        help="user name to log in as, instead of the URL's; the password then comes from --password-file or a prompt",
    )
    group.add_argument(
        "--password-file",
        metavar="FILE",
        help="read the password from the first line of FILE (keeps it out of ps and shell history)",
    )
    secure = parser.add_argument_group("TLS (amqps://)")
    secure.add_argument(
        "--tls", action="store_true", help="connect with TLS (default port 5671); implied by an amqps:// or ssl:// URL"
    )
    secure.add_argument(
        "--cacert", metavar="FILE", help="PEM CA certificate(s) to verify the broker with (default: the system's CAs)"
    )
    secure.add_argument("--cert", metavar="FILE", help="PEM client certificate (for brokers that ask for one)")
    secure.add_argument("--key", metavar="FILE", help="PEM private key of --cert (default: read from the --cert file)")
    secure.add_argument(
        "--tls-server-name",
        metavar="NAME",
        help="host name the broker's certificate must carry (default: the host connected to)",
    )
    secure.add_argument(
        "--insecure", action="store_true", help="do not verify the broker's certificate (warns; for tests only)"
    )
    group.add_argument(
        "--no-reconnect",
        dest="reconnect",
        action="store_false",
        help="exit with an error when the connection is lost (default: reconnect with "
        "backoff, to the next broker of -u/-a first)",
    )
    group.add_argument(
        "--blocked-timeout",
        type=positive_float,
        default=DEFAULT_BLOCKED_TIMEOUT,
        metavar="SECS",
        help="give up when the broker blocks publishing (memory or disk "
        f"alarm) for SECS (default: {DEFAULT_BLOCKED_TIMEOUT:g})",
    )


def broker_from_args(
    args: argparse.Namespace,
    pulp: pulpconf.PulpConfig,
    role: str,
    environ: dict[str, str] | None = None,
    prompt: credentials.Prompt | None = None,
) -> BrokerSettings:
    """Resolve the connection options against the environment and Pulp's config file.

    Asks for a missing password on the terminal when stdin is one (`prompt` replaces the asking).
    """
    env = os.environ if environ is None else environ
    if args.heartbeat < 0:
        raise UsageError("--heartbeat must be 0 (off) or a number of seconds")
    raw_urls: list[str] = list(args.url or [])
    if not raw_urls and env.get("AMQP_URL"):
        raw_urls = [part for part in env["AMQP_URL"].split(",") if part.strip()]
    if not raw_urls and pulp.url:
        raw_urls = [pulp.url]
    parsed = [urls.parse(url.strip()) for url in raw_urls]
    use_tls = args.tls or (parsed[0].tls if parsed else False)
    default_port = 5671 if use_tls else DEFAULT_PORT
    endpoints = [(p.host or DEFAULT_HOST, p.port or default_port) for p in parsed]
    if not endpoints:
        endpoints = [(DEFAULT_HOST, DEFAULT_PORT)]
    if args.address is not None or args.port is not None:
        host, port = endpoints[0]
        hosts = [h.strip() for h in args.address.split(",") if h.strip()] if args.address is not None else [host]
        if not hosts:
            raise UsageError("-a/--address must name a host (or several, comma-separated)")
        endpoints = [(h, args.port or port) for h in hosts]
    first = parsed[0] if parsed else urls.BrokerUrl(None, None, False)
    for other in parsed[1:]:
        # The nodes of one cluster share users and vhosts: one login is used for all of them.
        for part in ("username", "password", "vhost"):
            value = getattr(other, part)
            if value is not None and value != getattr(first, part):
                raise UsageError(
                    f"the broker URLs name different {part.replace('username', 'user')}s: the nodes "
                    "of a cluster share one login and vhost (give them in the first URL only)"
                )
    vhost = first.vhost if first.vhost is not None else "/"
    check_name(vhost, "the vhost")
    warnings = _check_tls_args(args, use_tls)
    host, port = endpoints[0]
    login = credentials.resolve(
        first.username,
        first.password,
        user=args.user,
        password_file=args.password_file,
        password_in_argv=bool(args.url),
        where=f"{host}:{port}",
        prompt=credentials.tty_prompt if prompt is None and sys.stdin.isatty() else prompt,
    )
    return BrokerSettings(
        endpoints=tuple(endpoints),
        username=login.username,
        password=login.password,
        vhost=vhost,
        tls=use_tls,
        heartbeat=args.heartbeat,
        connect_timeout=args.connect_timeout,
        connection_name=args.connection_name or f"pulp-{role}-{os.urandom(4).hex()}",
        tls_cacert=args.cacert,
        tls_cert=args.cert,
        tls_key=args.key,
        tls_server_name=args.tls_server_name,
        tls_verify=not args.insecure,
        warnings=login.warnings + warnings,
        reconnect=getattr(args, "reconnect", True),
        blocked_timeout=getattr(args, "blocked_timeout", DEFAULT_BLOCKED_TIMEOUT),
    )


def _check_tls_args(args: argparse.Namespace, use_tls: bool) -> tuple[str, ...]:
    given = [
        flag
        for flag, value in (
            ("--cacert", args.cacert),
            ("--cert", args.cert),
            ("--key", args.key),
            ("--tls-server-name", args.tls_server_name),
            ("--insecure", args.insecure),
        )
        if value
    ]
    if given and not use_tls:
        verb = "applies" if len(given) == 1 else "apply"
        raise UsageError(f"{', '.join(given)} {verb} only to TLS connections: use an amqps:// URL or add --tls")
    if args.key and not args.cert:
        raise UsageError("--key needs --cert (the certificate it belongs to)")
    if args.tls_server_name is not None:
        check_name(args.tls_server_name, "--tls-server-name")
    return (INSECURE_WARNING,) if args.insecure else ()


def exchange_from_args(value: str | None, pulp: pulpconf.PulpConfig) -> str:
    """-e, else the config file's topic_exchange, else amq.topic."""
    name = value if value is not None else (pulp.topic_exchange or pulpconf.DEFAULT_EXCHANGE)
    return check_name(name, "the exchange name")
