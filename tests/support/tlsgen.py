"""Generate throwaway TLS material for broker tests with the ``cryptography`` package.

``generate_tls_files(dir)`` writes PEM files for:

* a test CA,
* a server certificate for ``localhost`` (SAN DNS:localhost, IP:127.0.0.1) signed by that CA,
* a client certificate signed by the same CA,
* a second, unrelated CA ("wrong CA") that signed nothing we hand out.

Keys are EC P-256 (fast to generate) and unencrypted. All files are made
world-readable (0644) so that an Erlang VM running as another user (e.g. the
``rabbitmq`` account) can read them too; they are throwaway test secrets.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["TlsFiles", "generate_tls_files"]


@dataclass(frozen=True)
class TlsFiles:
    """Paths of the PEM files written by :func:`generate_tls_files`."""

    ca_cert: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    wrong_ca_cert: Path
    dir: Path


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "pulp-amqp-tools tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _validity(builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.timezone.utc)
    # Back-date a little to tolerate clock skew between python and the VM.
    return builder.not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=2))


def _make_ca(cn: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _new_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    cert = _validity(builder).sign(key, hashes.SHA256())
    return cert, key


def _make_leaf(
    cn: str,
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    *,
    server: bool,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _new_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(cn), x509.IPAddress(ipaddress.IPv4Address("127.0.0.1"))]),
            critical=False,
        )
    cert = _validity(builder).sign(ca_key, hashes.SHA256())
    return cert, key


def _write_cert(path: Path, cert: x509.Certificate) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    os.chmod(path, 0o644)
    return path


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> Path:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            # PKCS#8 "BEGIN PRIVATE KEY" is understood by both Erlang's ssl and OpenSSL.
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    # Throwaway test key: readable by a broker running as another user.
    os.chmod(path, 0o644)
    return path


def generate_tls_files(directory: str | os.PathLike[str], server_cn: str = "localhost") -> TlsFiles:
    """Create CA, server, client and wrong-CA PEM files in *directory* (created if needed)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    os.chmod(d, 0o755)

    ca_cert, ca_key = _make_ca("pulp-amqp-tools test CA")
    server_cert, server_key = _make_leaf(server_cn, ca_cert, ca_key, server=True)
    client_cert, client_key = _make_leaf("pulp-amqp-tools test client", ca_cert, ca_key, server=False)
    wrong_ca_cert, _ = _make_ca("pulp-amqp-tools WRONG CA")

    return TlsFiles(
        ca_cert=_write_cert(d / "ca_cert.pem", ca_cert),
        server_cert=_write_cert(d / "server_cert.pem", server_cert),
        server_key=_write_key(d / "server_key.pem", server_key),
        client_cert=_write_cert(d / "client_cert.pem", client_cert),
        client_key=_write_key(d / "client_key.pem", client_key),
        wrong_ca_cert=_write_cert(d / "wrong_ca_cert.pem", wrong_ca_cert),
        dir=d,
    )
