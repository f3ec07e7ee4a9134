"""The scripting flags over AMQP 1.0 on each real 1.0 broker, as processes: --where, --fail-where,
--deadline and -n waiting for one repository's sync; --save-dir recording what emit --rate sent,
within --max-buffer, and emit --replay sending the recording back byte for byte."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from pulp_amqp_tools.messages.delivery import body_bytes
from tests.support.processes import command_env, run, start_listener

pytestmark = pytest.mark.private_node


@pytest.fixture(params=["amqp10_rabbitmq", "amqp10_brokerj", "amqp10_artemis"])
def broker(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue(request.param), request.param


def _where(broker: Any) -> tuple[dict[str, str], str]:
    found, name = broker
    env = command_env(AMQP_URL=f"amqp://guest:guest@{found.host}:{found.port}")
    exchange = f"pulp-{uuid.uuid4().hex[:6]}" if name == "amqp10_artemis" else "amq.topic"
    return env, exchange


def test_waiting_for_one_repos_sync_exits_9_when_it_failed(broker: Any) -> None:
    env, exchange = _where(broker)
    repo = f"zoo-{uuid.uuid4().hex[:6]}"
    listen = [
        "--protocol",
        "1.0",
        "-e",
        exchange,
        "-q",
        "-n",
        "1",
        "--deadline",
        "40",
        "-s",
        "pulp.server.repo.sync.finish",
    ]
    listener = start_listener(
        *listen,
        "--where",
        f"payload.repo_id={repo}",
        "--fail-where",
        "payload.result!=success",
        env=env,
        ready_timeout=60,
    )
    for repo_id, result in (("other", "failed"), (repo, "failed")):
        emitted = run(
            "emit", "--protocol", "1.0", "-e", exchange, "-t", "*", "--repo-id", repo_id, "--result", result, env=env
        )
        assert emitted.code == 0, emitted.err
    assert listener.wait(60) == 9, listener.stderr  # only zoo's finish counts, and it failed
    assert listener.lines() == ["pulp.server.repo.sync.finish"]
    waited = run("listen", *listen, "--deadline", "2", "--where", f"payload.repo_id={repo}", env=env, timeout=60)
    assert waited.code == 8, waited.err  # none came by the deadline


def test_save_dir_records_what_emit_rate_sent_and_replay_sends_it_back(broker: Any, tmp_path: Path) -> None:
    env, exchange = _where(broker)
    subjects = f"pat.{uuid.uuid4().hex[:6]}"
    saved = tmp_path / "saved"
    listen = ["--protocol", "1.0", "-e", exchange, "-s", f"{subjects}.#", "-n", "6", "--timeout", "30"]
    recorder = start_listener(*listen, "-q", "--save-dir", str(saved), "--max-buffer", "1M", env=env, ready_timeout=60)
    body = json.dumps({"n": list(range(40000))}).encode()  # ~270 KB: --max-buffer 1M holds three
    source = tmp_path / "body.json"
    source.write_bytes(body)
    for word in ("a", "b", "c"):
        sent = run(
            "emit", "--protocol", "1.0", "-e", exchange, "--subject", f"{subjects}.{word}", "--body", f"@{source}",
            "-n", "2", "--rate", "20", "--header", f"word={word}", env=env,
        )  # fmt: skip
        assert sent.code == 0, sent.err
    assert recorder.wait(60) == 0, recorder.stderr
    files = sorted(saved.iterdir())
    assert [p.name.split("-", 1)[1] for p in files] == [f"{subjects}.{w}.json" for w in "aabbcc"]
    replayer = start_listener(*listen, "--json", env=env, ready_timeout=60)
    replayed = run("emit", "--protocol", "1.0", "-e", exchange, "--replay", str(saved), env=env)
    assert replayed.code == 0, replayed.err
    assert replayer.wait(60) == 0, replayer.stderr
    records = [json.loads(line) for line in replayer.lines()]
    # 6 x 270 KB at the default prefetch would pass the default --max-buffer: listen hands some back
    # and resumes with a smaller prefetch, and a message handed back may come in another place
    assert sorted(r["subject"] for r in records) == [f"{subjects}.{w}" for w in "aabbcc"], files
    assert all(body_bytes(r) == body for r in records)
    assert sorted(r["headers"]["word"] for r in records) == list("aabbcc")
