"""The client's TLS context: verification on by default, clear errors for unusable PEM files."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulp_amqp_tools.amqp091 import tls
from pulp_amqp_tools.errors import UsageError


def test_tls_context_verifies_by_default(tmp_path: Path) -> None:
    import ssl

    context = tls.client_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    insecure = tls.client_context(verify=False)
    assert insecure.verify_mode == ssl.CERT_NONE and not insecure.check_hostname
    not_pem = tmp_path / "x.pem"
    not_pem.write_text("hello\n")
    with pytest.raises(UsageError, match="holds no PEM certificate"):
        tls.client_context(cacert=str(not_pem))
    with pytest.raises(UsageError, match="not a PEM certificate and its matching private key"):
        tls.client_context(cert=str(not_pem))
    with pytest.raises(UsageError, match="No such file"):
        tls.client_context(cert=str(tmp_path / "missing.pem"))


def test_encrypted_client_key_is_refused_without_prompting(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    from tests.support.tlsgen import generate_tls_files

    files = generate_tls_files(tmp_path)
    key = serialization.load_pem_private_key(files.client_key.read_bytes(), password=None)
    encrypted = tmp_path / "encrypted_key.pem"
    encrypted.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"key-pass"),
        )
    )
    with pytest.raises(UsageError, match="private key is encrypted"):
        tls.client_context(cert=str(files.client_cert), key=str(encrypted))
    context = tls.client_context(str(files.ca_cert), str(files.client_cert), str(files.client_key))
    assert context.get_ca_certs()[0]["subject"][1][0][1] == "pulp-amqp-tools test CA"
