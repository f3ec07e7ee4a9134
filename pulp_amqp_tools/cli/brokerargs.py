"""Where and how to reach the broker: the options both commands share, resolved once. No pika.

Precedence, highest first: -a/-p, then -u (or AMQP_URL), then `[messaging] url` in Pulp's
server.conf, then localhost:5672 as guest on vhost "/".
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping

from pulp_amqp_tools.cli import argtypes, credentials, pulpconf, urls
from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages.names import check_name
from pulp_amqp_tools.transport.broker import (
    DEFAULT_BLOCKED_TIMEOUT,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_HEARTBEAT,
    DEFAULT_HOST,
    DEFAULT_PORT,
    DIALECTS,
)
from pulp_amqp_tools.transport.broker import (
    BrokerSettings as BrokerSettings,  # re-exported: its home is transport/broker.py
)

INSECURE_WARNING = (
    "--insecure: the broker's certificate is not verified, so anyone on the network path "
    "can pose as the broker and read the password and the messages"
)


def add_broker_arguments(parser: argparse.ArgumentParser) -> None:
    """The connection options of both commands: where, who, TLS, and what to do when it is lost."""
    group = parser.add_argument_group("broker connection")
    _add_where(group)
    _add_login(group)
    _add_tls(parser.add_argument_group("TLS (amqps://)"))
    _add_losing(group)  # listed under "broker connection", after the login options
    _add_protocol(group)


def _add_where(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "-a",
        "--address",
        metavar="HOST",
        help=f"hostname to connect to; comma-separated for the nodes of a cluster (default: "
        f"{DEFAULT_HOST}, or the host of the URL)",
    )
    group.add_argument(
        "-p", "--port", type=argtypes.port, help=f"port to connect to (default: {DEFAULT_PORT}, or the port of the URL)"
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
        type=argtypes.heartbeat,
        default=DEFAULT_HEARTBEAT,
        metavar="SECS",
        help=f"AMQP heartbeat interval; 0 turns heartbeats off (default: {DEFAULT_HEARTBEAT})",
    )
    group.add_argument(
        "--connect-timeout",
        type=argtypes.positive_float,
        default=DEFAULT_CONNECT_TIMEOUT,
        metavar="SECS",
        help=f"give up connecting after SECS (default: {DEFAULT_CONNECT_TIMEOUT:g})",
    )


def _add_login(group: argparse._ArgumentGroup) -> None:
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


def _add_tls(secure: argparse._ArgumentGroup) -> None:
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


def _add_losing(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--no-reconnect",
        dest="reconnect",
        action="store_false",
        help="exit with an error when the connection is lost (default: reconnect with "
        "backoff, to the next broker of -u/-a first)",
    )
    group.add_argument(
        "--blocked-timeout",
        type=argtypes.positive_float,
        default=DEFAULT_BLOCKED_TIMEOUT,
        metavar="SECS",
        help="give up when the broker blocks publishing (memory or disk "
        f"alarm) for SECS (default: {DEFAULT_BLOCKED_TIMEOUT:g})",
    )


PROTOCOLS = ("auto", "0-9-1", "1.0")


def _add_protocol(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--protocol",
        choices=PROTOCOLS,
        help="AMQP version to speak: auto opens with 0-9-1 and connects again over 1.0 when the broker "
        "answers with another protocol (default: [messaging] protocol of the config file, else auto)",
    )
    group.add_argument(
        "--dialect",
        choices=DIALECTS,
        help="AMQP 1.0 only: address the broker as this family does, instead of the one its open frame names",
    )


def _protocol(args: argparse.Namespace, pulp: pulpconf.PulpConfig) -> str:
    chosen = getattr(args, "protocol", None) or pulp.protocol or "auto"
    if chosen not in PROTOCOLS:
        raise UsageError(f"[messaging] protocol {chosen!r} of {pulp.path}: expected one of {', '.join(PROTOCOLS)}")
    if getattr(args, "dialect", None) and chosen == "0-9-1":
        raise UsageError("--dialect applies to AMQP 1.0 only, and --protocol says 0-9-1")
    return chosen


def _container_id(args: argparse.Namespace, role: str) -> str | None:
    """A durable subscription (listen --queue NAME over 1.0) is known by container id and link name."""
    queue = getattr(args, "queue", None)
    return f"pulp-{role}-{queue}" if isinstance(queue, str) and queue else None


def broker_from_args(
    args: argparse.Namespace,
    pulp: pulpconf.PulpConfig,
    role: str,
    environ: Mapping[str, str] | None = None,
    prompt: credentials.Prompt | None = None,
) -> BrokerSettings:
    """Resolve the connection options against AMQP_URL and Pulp's config file.

    `prompt` asks for a missing password; the caller passes one only when stdin is a terminal
    (cli/environment.py decides that), without one a missing password is a usage error.
    """
    if args.heartbeat < 0:
        raise UsageError("--heartbeat must be 0 (off) or a number of seconds")
    parsed = [urls.parse(url.strip()) for url in _given_urls(args.url, environ, pulp)]
    use_tls = bool(args.tls or (parsed[0].tls if parsed else False))
    endpoints = _endpoints(parsed, use_tls, args.address, args.port)
    first = _shared_login(parsed)
    vhost = check_name(first.vhost if first.vhost is not None else "/", "the vhost")
    warnings = _check_tls_args(args, use_tls)
    login = _login(args, first, endpoints[0], prompt)
    return BrokerSettings(
        endpoints=endpoints,
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
        protocol=_protocol(args, pulp),
        dialect=getattr(args, "dialect", None),
        container_id=_container_id(args, role),
    )


def _given_urls(url_args: list[str] | None, environ: Mapping[str, str] | None, pulp: pulpconf.PulpConfig) -> list[str]:
    """-u (repeatable), else AMQP_URL (comma-separated; `environ` None: os.environ), else the config file's url."""
    environ = os.environ if environ is None else environ
    given = list(url_args or ())
    if not given and environ.get("AMQP_URL"):
        given = [part for part in environ["AMQP_URL"].split(",") if part.strip()]
    if not given and pulp.url:
        given = [pulp.url]
    return given


def _endpoints(
    parsed: list[urls.BrokerUrl], use_tls: bool, address: str | None, port: int | None
) -> tuple[tuple[str, int], ...]:
    """The (host, port) of each node: the URLs' (localhost when none), then -a and -p over them."""
    default_port = 5671 if use_tls else DEFAULT_PORT
    endpoints = [(p.host or DEFAULT_HOST, p.port or default_port) for p in parsed] or [(DEFAULT_HOST, DEFAULT_PORT)]
    if address is None and port is None:
        return tuple(endpoints)
    first_host, first_port = endpoints[0]
    hosts = [h.strip() for h in address.split(",") if h.strip()] if address is not None else [first_host]
    if not hosts:
        raise UsageError("-a/--address must name a host (or several, comma-separated)")
    return tuple((host, port or first_port) for host in hosts)


def _shared_login(parsed: list[urls.BrokerUrl]) -> urls.BrokerUrl:
    """The first URL, once the others are known not to name another user, password or vhost."""
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
    return first


def _login(
    args: argparse.Namespace, first: urls.BrokerUrl, endpoint: tuple[str, int], prompt: credentials.Prompt | None
) -> credentials.Credentials:
    host, port = endpoint
    return credentials.resolve(
        first.username,
        first.password,
        user=args.user,
        password_file=args.password_file,
        password_in_argv=bool(args.url),
        where=f"{host}:{port}",
        prompt=prompt,
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


def exchange_from_args(value: str | None, pulp: pulpconf.PulpConfig, default_exchange: bool = False) -> str:
    """-e, else the config file's topic_exchange, else amq.topic. With `default_exchange` (emit),
    `-e ''` names the default exchange, which routes to the queue named by the routing key."""
    name = value if value is not None else (pulp.topic_exchange or pulpconf.DEFAULT_EXCHANGE)
    if name == "":
        if default_exchange:
            return name
        raise UsageError(
            "the exchange name must not be empty (the default exchange takes no bindings: --trace shows its traffic)"
        )
    return check_name(name, "the exchange name")
