"""The two Java test brokers: Qpid Broker-J (1.0 and 0-9-1 on one port) and ActiveMQ Artemis (1.0).

Both run from the distributions tests/support/amqp10_dists.py unpacks, with a small heap, loopback
ports of their own and all state in the broker's temporary directory.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import urllib.request
from pathlib import Path

from .amqp10_brokers import JavaBroker
from .amqp10_dists import ARTEMIS, BROKER_J, CACHE, cache_lock, ensure
from .private_node import free_port

__all__ = ["Artemis", "BrokerJ", "artemis_template"]

_ALIASES = ("nameAlias", "defaultAlias", "hostnameAlias")
# The client compiler only (with the serial GC): about half the start time on 2 busy cores
# (Broker-J 55 -> 29 s, Artemis 40 -> 15 s measured at a load of 11-16); a test broker never
# runs long enough for C2 to pay off.
QUICK_START = "-XX:TieredStopAtLevel=1"


def _brokerj_config() -> dict[str, object]:
    """Broker-J's initial config: PLAIN allowed over plain TCP (it is secure-only by default,
    and proton without cyrus has only PLAIN/ANONYMOUS/EXTERNAL), HTTP basic auth likewise (for
    the REST calls of kill_connections), ports on 127.0.0.1 only."""
    return {
        "name": "${broker.name}",
        "modelVersion": "8.0",
        "authenticationproviders": [
            {
                "name": "plain",
                "type": "Plain",
                "secureOnlyMechanisms": [],
                "users": [{"name": "guest", "type": "managed", "password": "guest"}],
            }
        ],
        "ports": [
            {
                "name": "AMQP",
                "port": "${qpid.amqp_port}",
                "bindingAddress": "127.0.0.1",
                "authenticationProvider": "plain",
                "virtualhostaliases": [{"name": name, "type": name} for name in _ALIASES],
            },
            {
                "name": "HTTP",
                "port": "${qpid.http_port}",
                "bindingAddress": "127.0.0.1",
                "authenticationProvider": "plain",
                "protocols": ["HTTP"],
            },
        ],
        "virtualhostnodes": [
            {
                "name": "default",
                "type": "JSON",
                "defaultVirtualHostNode": "true",
                "virtualHostInitialConfiguration": "${qpid.initial_config_virtualhost_config}",
            }
        ],
        "plugins": [{"type": "MANAGEMENT-HTTP", "name": "httpManagement", "httpBasicAuthenticationEnabled": True}],
    }


class BrokerJ(JavaBroker):
    """Qpid Broker-J 10.x; QPID_WORK (config store and BDB message store) in the temp dir."""

    kill_restarts = False

    def __init__(self) -> None:
        self.home = ensure(BROKER_J)
        super().__init__()
        self.http_port = free_port({self.port})
        self.work = self.base_dir / "work"
        self.work.mkdir()
        self.initial_config = self.base_dir / "initial-config.json"
        self.initial_config.write_text(json.dumps(_brokerj_config(), indent=1))

    def command(self) -> list[str]:
        # The initial config seeds QPID_WORK/config.json on the first start; a restart reads that.
        return [
            str(self.home / "bin" / "qpid-server"),
            *("-icp", str(self.initial_config)),
            *("-prop", f"qpid.amqp_port={self.port}", "-prop", f"qpid.http_port={self.http_port}"),
        ]

    def kill_connections(self) -> None:
        """Close every client connection through the management REST API ("closed by external action")."""
        for connection in json.loads(self._rest("GET", "/api/latest/connection")):
            self._rest("DELETE", f"/api/latest/connection?id={connection['id']}")

    def _rest(self, method: str, path: str) -> str:
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        request = urllib.request.Request(
            f"http://{self.host}:{self.http_port}{path}", method=method, headers={"Authorization": f"Basic {token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return str(answer.read().decode())

    def environment(self) -> dict[str, str]:
        env = super().environment()
        env.update(QPID_WORK=str(self.work), QPID_JAVA_MEM="-Xmx256m -XX:MaxDirectMemorySize=256m")
        env.update(QPID_JAVA_GC="-XX:+UseSerialGC", QPID_OPTS=QUICK_START)
        return env


def artemis_template() -> Path:
    """An Artemis instance made once per cache by `artemis create` (about 15 s of JVM work),
    copied for each broker with its paths rewritten: creating one per test module costs that
    much again each time."""
    template = CACHE / f"artemis-instance-{ARTEMIS.version}"
    home = ensure(ARTEMIS)
    with cache_lock():
        if not (template / ".created").exists():
            _create(home, template)
    return template


def _create(home: Path, template: Path) -> None:
    shutil.rmtree(template, ignore_errors=True)
    create = [str(home / "bin" / "artemis"), "create", str(template), "--silent", "--user", "guest"]
    create += ["--password", "guest", "--allow-anonymous", "--host", "127.0.0.1", "--no-web", "--nio"]
    create += ["--no-fsync", "--no-autotune", "--no-hornetq-acceptor", "--no-mqtt-acceptor"]
    create += ["--no-stomp-acceptor", "--java-memory", "256M"]
    subprocess.run(create, check=True, capture_output=True, timeout=300)
    (template / ".created").touch()


class Artemis(JavaBroker):
    """ActiveMQ Artemis 2.40: an `amqp` acceptor on `port`, the core acceptor on `core_port`."""

    def __init__(self) -> None:
        template = artemis_template()
        super().__init__()
        self.core_port = free_port({self.port})
        self.instance = self.base_dir / "instance"
        shutil.copytree(template, self.instance, ignore=shutil.ignore_patterns("data", "log", "tmp", "lock"))
        for path in [*(self.instance / "bin").iterdir(), *(self.instance / "etc").iterdir()]:
            text = path.read_text()
            if str(template) in text:
                path.write_text(text.replace(str(template), str(self.instance)))
        self._configure()

    def _configure(self) -> None:
        """Private ports for both acceptors; a small heap that starts quickly."""
        broker_xml = self.instance / "etc" / "broker.xml"
        text = broker_xml.read_text()
        for name, port in (("artemis", self.core_port), ("amqp", self.port)):
            text, found = re.subn(rf'(<acceptor name="{name}">tcp://127\.0\.0\.1:)\d+', rf"\g<1>{port}", text)
            if found != 1:
                raise RuntimeError(f"{broker_xml}: no acceptor named {name}")
        broker_xml.write_text(text)
        profile = self.instance / "etc" / "artemis.profile"
        text = profile.read_text().replace("-Xms512M", "-Xms64M")  # above -Xmx256M the JVM refuses to start
        profile.write_text(text.replace("-XX:+UseG1GC", f"-XX:+UseSerialGC {QUICK_START}"))

    def command(self) -> list[str]:
        return [str(self.instance / "bin" / "artemis"), "run"]
