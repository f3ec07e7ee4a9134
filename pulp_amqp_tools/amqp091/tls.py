"""TLS for the broker connection: the client SSLContext from --cacert, --cert/--key, --insecure.

Standard library only (no pika): bad files are reported as usage errors before any connection
is attempted. Certificates are verified, hostname included, unless --insecure says otherwise.
"""

from __future__ import annotations

import ssl
from typing import NoReturn

from pulp_amqp_tools.errors import UsageError


def _encrypted_key() -> NoReturn:
    # Without a callback OpenSSL would prompt for the pass phrase itself, on the terminal.
    raise UsageError("--key: the private key is encrypted; give an unencrypted key (kept private)")


def client_context(
    cacert: str | None = None, cert: str | None = None, key: str | None = None, verify: bool = True
) -> ssl.SSLContext:
    """A client SSLContext: the system CAs (or `cacert`), an optional client certificate."""
    try:
        context = ssl.create_default_context(cafile=cacert)
    except ssl.SSLError:  # before OSError, of which it is a subclass
        raise UsageError(f"--cacert {cacert!r} holds no PEM certificate") from None
    except OSError as exc:
        raise UsageError(f"cannot read --cacert {cacert!r}: {exc.strerror or type(exc).__name__}") from None
    if cert is not None:
        try:
            context.load_cert_chain(cert, key, password=_encrypted_key)
        except OSError as exc:
            if isinstance(exc, ssl.SSLError):
                reason = f" ({exc.reason})" if exc.reason else ""
                raise UsageError(
                    f"--cert {cert!r} / --key {key or cert!r}: not a PEM certificate and its "
                    f"matching private key{reason}"
                ) from None
            raise UsageError(
                f"cannot read --cert/--key: {exc.filename or cert!r}: {exc.strerror or type(exc).__name__}"
            ) from None
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
