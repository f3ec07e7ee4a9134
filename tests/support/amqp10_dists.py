"""The AMQP 1.0 test brokers' distributions: fetched with Maven once, unpacked in .cache/brokers/.

Qpid Broker-J and ActiveMQ Artemis come from Maven Central as `tar.gz:bin` artifacts (Maven keeps
the download in ~/.m2, so a second clone on the same machine needs no network). `ensure(dist)`
returns the unpacked home, fetching and unpacking under a file lock (pytest-xdist workers race
for it), or raises `Unavailable` with the reason a test should skip for.
`python -m tests.support.amqp10_dists` fetches them all (scripts/test.sh runs it).
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ARTEMIS", "BROKER_J", "CACHE", "Dist", "Unavailable", "cache_lock", "ensure", "require_java"]

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("PAT_BROKER_CACHE") or ROOT / ".cache" / "brokers")
JAVA_MAJOR = 17  # Broker-J 10.x and Artemis 2.40 are built for Java 17


class Unavailable(RuntimeError):
    """This machine cannot run the broker (no Java, no Maven, no artifact); the message says why."""


@dataclass(frozen=True)
class Dist:
    """A broker distribution on Maven Central and where its tarball unpacks to."""

    name: str
    group: str
    artifact: str
    version: str
    home: str  # the unpacked top directory, relative to CACHE

    @property
    def coordinates(self) -> str:
        return f"{self.group}:{self.artifact}:{self.version}:tar.gz:bin"

    @property
    def tarball(self) -> Path:
        return CACHE / f"{self.artifact}-{self.version}-bin.tar.gz"


BROKER_J = Dist("Qpid Broker-J", "org.apache.qpid", "apache-qpid-broker-j", "10.1.0", "qpid-broker/10.1.0")
ARTEMIS = Dist("ActiveMQ Artemis", "org.apache.activemq", "apache-artemis", "2.40.0", "apache-artemis-2.40.0")


def java_major() -> int | None:
    """The major version of the `java` on PATH, or None when there is none."""
    if shutil.which("java") is None:
        return None
    out = subprocess.run(["java", "-version"], capture_output=True, text=True, timeout=60, check=False)
    found = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if found is None:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def require_java() -> None:
    """Raise Unavailable unless a Java 17 or newer runs here."""
    major = java_major()
    if major is None:
        raise Unavailable("no java on PATH (apt-get install openjdk-17-jre-headless)")
    if major < JAVA_MAJOR:
        raise Unavailable(f"java {major} found, the brokers need {JAVA_MAJOR} or newer")


@contextmanager
def cache_lock() -> Iterator[None]:
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _fetch(dist: Dist) -> None:
    if shutil.which("mvn") is None:
        raise Unavailable(f"{dist.name}: {dist.tarball.name} not cached, no mvn to fetch it (apt-get install maven)")
    cmd = ["mvn", "-q", "-B", "dependency:copy", f"-Dartifact={dist.coordinates}", f"-DoutputDirectory={CACHE}"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    if res.returncode != 0 or not dist.tarball.exists():
        tail = " | ".join((res.stdout + res.stderr).strip().splitlines()[-3:])
        raise Unavailable(f"{dist.name}: mvn could not fetch {dist.coordinates}: {tail}")


def _unpack(dist: Dist) -> None:
    scratch = Path(tempfile.mkdtemp(prefix=".unpack-", dir=CACHE))
    try:
        subprocess.run(["tar", "xzf", str(dist.tarball), "-C", str(scratch)], check=True, timeout=300)
        top = dist.home.split("/")[0]
        shutil.rmtree(CACHE / top, ignore_errors=True)
        (scratch / top).rename(CACHE / top)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def ensure(dist: Dist) -> Path:
    """The unpacked home of `dist`, fetched and unpacked first when missing."""
    home = CACHE / dist.home
    marker = home / ".unpacked"
    if marker.exists():
        return home
    with cache_lock():
        if not marker.exists():
            if not dist.tarball.exists():
                _fetch(dist)
            _unpack(dist)
            marker.touch()
    return home


def main() -> int:
    """Fetch and unpack every distribution (and make the Artemis instance the fixtures copy, a
    JVM's work better done before the tests' timeouts run); 1 when a broker is unavailable."""
    from .amqp10_java import artemis_template

    try:
        require_java()
        for dist in (BROKER_J, ARTEMIS):
            print(f"{dist.name} {dist.version}: {ensure(dist)}")
        print(f"{ARTEMIS.name} instance template: {artemis_template()}")
    except (Unavailable, subprocess.CalledProcessError) as e:
        print(f"amqp10_dists: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
