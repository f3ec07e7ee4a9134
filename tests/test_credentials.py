"""Fast unit tests: credentials, password files, masking, TLS settings, one-line parser errors."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from pulp_amqp_tools.amqp091 import tls
from pulp_amqp_tools.cli import argparser, brokerargs, credentials, pulpconf, urls
from pulp_amqp_tools.errors import UsageError

SECRET = "Unit-Zq9-s3cr3t"


def args(*argv: str) -> argparse.Namespace:
    parser = argparser.ArgumentParser(prog="t")
    brokerargs.add_broker_arguments(parser)
    return parser.parse_args(list(argv))


def resolve(
    *argv: str,
    env: dict[str, str] | None = None,
    prompt: credentials.Prompt | None = None,
    pulp: pulpconf.PulpConfig | None = None,
) -> brokerargs.BrokerSettings:
    return brokerargs.broker_from_args(args(*argv), pulp or pulpconf.PulpConfig(), "t", env or {}, prompt)


def no_prompt(text: str) -> str:
    raise AssertionError(f"prompted unexpectedly: {text}")


def test_defaults_are_guest_without_asking() -> None:
    broker = resolve(prompt=no_prompt)
    assert (broker.username, broker.password, broker.warnings) == ("guest", "guest", ())


def test_url_password_from_the_environment_does_not_warn() -> None:
    broker = resolve(env={"AMQP_URL": f"amqp://bob:{SECRET}@h/"}, prompt=no_prompt)
    assert (broker.username, broker.password, broker.warnings) == ("bob", SECRET, ())


def test_url_password_on_the_command_line_warns_without_quoting_it() -> None:
    broker = resolve("-u", f"amqp://bob:{SECRET}@h/", prompt=no_prompt)
    assert broker.password == SECRET
    assert broker.warnings == (credentials.COMMAND_LINE_WARNING,)
    assert SECRET not in credentials.COMMAND_LINE_WARNING
    assert resolve("-u", "amqp://guest:guest@h/").warnings == ()  # the well-known default is no secret


def test_user_flag_prompts_and_overrides_the_url_user() -> None:
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return SECRET

    broker = resolve("--user", "alice", env={"AMQP_URL": "amqp://bob:bobs-pw@h:5673/"}, prompt=prompt)
    assert (broker.username, broker.password) == ("alice", SECRET)  # bob's password is not alice's
    assert asked == ["Password for alice at h:5673: "]
    same = resolve("--user", "bob", env={"AMQP_URL": "amqp://bob:bobs-pw@h/"}, prompt=no_prompt)
    assert same.password == "bobs-pw"


def test_url_user_without_password_prompts_or_fails() -> None:
    assert resolve("-u", "amqp://carol@h/", prompt=lambda _text: SECRET).password == SECRET
    with pytest.raises(UsageError, match="no password for user 'carol'"):
        credentials.resolve("carol", None, prompt=None)
    with pytest.raises(UsageError, match="no password given"):
        resolve("-u", "amqp://carol@h/", prompt=lambda _text: "")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (SECRET + "\n", SECRET),
        (SECRET, SECRET),
        (SECRET + "\r\nsecond line\n", SECRET),
        (" sp ace \n", " sp ace "),
    ],
)
def test_password_file_first_line(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "pw"
    path.write_text(content, newline="")
    broker = resolve("--user", "dave", "--password-file", str(path), prompt=no_prompt)
    assert (broker.username, broker.password) == ("dave", expected)


def test_password_file_errors_never_quote_the_path(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(UsageError, match="empty"):
        credentials.read_password_file(str(empty))
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe\n")
    with pytest.raises(UsageError, match="not UTF-8"):
        credentials.read_password_file(str(binary))
    with pytest.raises(UsageError) as caught:
        credentials.read_password_file(SECRET)  # `--password SECRET` abbreviates to --password-file
    assert SECRET not in str(caught.value)


def test_password_file_wins_over_the_url_password(tmp_path: Path) -> None:
    path = tmp_path / "pw"
    path.write_text("from-file\n")
    broker = resolve("--password-file", str(path), env={"AMQP_URL": "amqp://erin:from-url@h/"})
    assert (broker.username, broker.password) == ("erin", "from-file")


def test_repr_of_settings_and_urls_hides_the_password() -> None:
    broker = resolve(env={"AMQP_URL": f"amqp://bob:{SECRET}@h/"})
    assert SECRET not in repr(broker) and SECRET not in broker.describe()
    assert SECRET not in repr(urls.parse(f"amqp://bob:{SECRET}@h/"))
    assert SECRET not in repr(credentials.Credentials("bob", SECRET))


@pytest.mark.parametrize(
    "url",
    [
        f"amqp://bob:{SECRET}@h/v",
        f"amqp://bob:{SECRET[:4]}/{SECRET[4:]}@h/v",
        f"amqp://bob:{SECRET}?x@h",
        f"amqp://bob:{SECRET}#x@h",
        f"amqp://bob:pa@{SECRET}@h:1/v",
        f"amqps://bob:{SECRET}@h:notaport/",
    ],
)
def test_mask_hides_passwords_even_with_raw_delimiters(url: str) -> None:
    masked = urls.mask(url)
    assert masked.startswith(url.split("://")[0] + "://bob:****@")
    for part in SECRET.replace("#", "/").replace("?", "/").split("/"):
        assert part[:5] not in masked
    try:
        urls.parse(url)
    except UsageError as exc:
        assert SECRET[:5] not in str(exc) and SECRET[-5:] not in str(exc)


def test_mask_all_in_free_text() -> None:
    text = f"unrecognized arguments: x 'amqp://u:{SECRET}@h/v' tcp://v:{SECRET}@h2 amqp://plain/v"
    masked = urls.mask_all(text)
    assert SECRET not in masked
    assert "'amqp://u:****@h/v'" in masked and "tcp://v:****@h2" in masked and "amqp://plain/v" in masked


def test_parser_errors_are_one_masked_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        args("-p", "many", f"amqp://u:{SECRET}@h")
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("t: error: ") and "usage:" not in err
    assert SECRET not in err and err.endswith("(see t --help)\n")


def test_tls_port_and_flags() -> None:
    assert resolve("--tls", "-u", "amqp://h/").endpoints == (("h", 5671),)
    assert resolve("-u", "amqps://h/").endpoints == (("h", 5671),)
    assert resolve("--tls", "-u", "amqp://h:5999/").endpoints == (("h", 5999),)
    broker = resolve("--tls", "--cacert", "ca.pem", "--cert", "c.pem", "--key", "k.pem", "--tls-server-name", "n")
    assert (
        broker.tls,
        broker.tls_cacert,
        broker.tls_cert,
        broker.tls_key,
        broker.tls_server_name,
        broker.tls_verify,
        broker.warnings,
    ) == (True, "ca.pem", "c.pem", "k.pem", "n", True, ())
    insecure = resolve("-u", "amqps://h/", "--insecure")
    assert not insecure.tls_verify and insecure.warnings == (brokerargs.INSECURE_WARNING,)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--cacert", "ca.pem"], "--cacert applies only to TLS"),
        (["--insecure", "--tls-server-name", "n"], "--tls-server-name, --insecure apply only to TLS"),
        (["--tls", "--key", "k.pem"], "--key needs --cert"),
        (["--tls", "--tls-server-name", ""], "must not be empty"),
        (["--user", ""], "user name must not be empty"),
    ],
)
def test_tls_and_user_flag_errors(argv: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        resolve(*argv, prompt=lambda _text: "pw")


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
