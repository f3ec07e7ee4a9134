"""tests/support/tlsgen.py: the generated CA, server, client and wrong-CA files fit together."""

from __future__ import annotations

import ssl
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ExtensionOID

from tests.support.tlsgen import TlsFiles


def test_tlsgen_writes_consistent_pem_files(tls_files: TlsFiles) -> None:
    def load(p: Path) -> x509.Certificate:
        return x509.load_pem_x509_certificate(p.read_bytes())

    ca, server, client, wrong = (
        load(tls_files.ca_cert),
        load(tls_files.server_cert),
        load(tls_files.client_cert),
        load(tls_files.wrong_ca_cert),
    )
    assert server.issuer == ca.subject
    assert client.issuer == ca.subject
    assert wrong.subject != ca.subject
    san = server.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    assert isinstance(san, x509.SubjectAlternativeName)
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    # keys load and match their certificates (ssl would raise otherwise)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_cert_chain(tls_files.client_cert, tls_files.client_key)
    ctx.load_cert_chain(tls_files.server_cert, tls_files.server_key)
    for f in (tls_files.server_key, tls_files.client_key):
        assert f.stat().st_mode & 0o044, "keys must be readable by a broker user"
