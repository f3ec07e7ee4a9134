"""AMQP URLs: parsing, and masking the password wherever a URL is shown."""

from __future__ import annotations

import pytest

from pulp_amqp_tools.cli import urls
from pulp_amqp_tools.cli.urls import mask_all
from pulp_amqp_tools.errors import UsageError

SECRET = "Unit-Zq9-s3cr3t"


def test_url_parts() -> None:
    u = urls.parse("amqp://bob:s%40cret@rabbit.example:5673/my%2Fvhost")
    assert (u.host, u.port, u.username, u.password, u.vhost, u.tls) == (
        "rabbit.example",
        5673,
        "bob",
        "s@cret",
        "my/vhost",
        False,
    )
    assert urls.parse("amqps://h").tls and urls.parse("amqps://h").port is None
    assert urls.parse("amqp://h/").vhost is None
    assert urls.parse("amqp://[::1]:5672/%2F").host == "::1"
    assert urls.parse("tcp://localhost:5672").port == 5672


@pytest.mark.parametrize("bad", ["http://h", "amqp://u:pw@h:notaport/", "amqp://h:70000", "rabbit.example"])
def test_bad_urls_never_echo_the_password(bad: str) -> None:
    with pytest.raises(UsageError) as caught:
        urls.parse(bad)
    assert "pw" not in str(caught.value).replace("port", "")


def test_mask() -> None:
    assert urls.mask("amqp://bob:secret@h:1/v") == "amqp://bob:****@h:1/v"
    assert urls.mask("amqp://h/v") == "amqp://h/v"


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


def test_masking_is_whole() -> None:
    typed = ["--bogus", "amqp://x:y z@h"]
    assert "y z" not in mask_all("unrecognized arguments: --bogus amqp://x:y z@h", typed)
