"""Each shipped scenario does what its description promises."""

from __future__ import annotations

import http.client
import time
import urllib.error

from tests.support import DEMO, VOICE, new_client

from ihuyi_sandbox.testing import running_sandbox

from ihuyi_sandbox.service.scenarios import resolve
from ihuyi_sandbox.products.voice.answers import parse_xml
from ihuyi_sandbox.wire.answers import MalformedBody

OK = {**DEMO, "mobile": "13812345678", "content": "1234"}


def client_for(name: str):
    return new_client(text=resolve(name).read_text(encoding="utf-8"))


def code(client, method="Submit", data=OK, ip="127.0.0.1") -> int:
    return parse_xml(client.post(f"{VOICE}?method={method}", data=data, environ_base={"REMOTE_ADDR": ip}).data).code


def test_default_has_the_demo_account_and_magic_numbers():
    client = client_for("default")
    assert parse_xml(client.post(f"{VOICE}?method=GetNum", data=DEMO).data).value == "1000"
    for forced in (0, 400, 401, 402, 403, 404, 405, 406, 407, 408, 4030, 4050, 4051, 4052, 4070):
        assert code(client, data={**OK, "mobile": f"1390000{forced:04d}"}) == forced
    assert code(client, data={**OK, "mobile": "13900000002"}) == 2
    assert code(client, data={**OK, "mobile": "13900001234"}) == 2


def test_insufficient_balance_runs_out_after_three():
    client = client_for("insufficient-balance")
    assert [code(client) for _ in range(5)] == [2, 2, 2, 4051, 4051]


def test_frozen_account():
    client = client_for("frozen-account")
    key = DEMO["password"]
    assert code(client) == 4050
    assert code(client, data={**OK, "account": "V00000002", "password": key}) == 408
    assert code(client, "GetNum", {"account": "V00000002", "password": key}) == 4050
    assert code(client, data={**OK, "account": "V00000003", "password": key}) == 2


def test_blacklist():
    client = client_for("blacklist")
    assert code(client, data={**OK, "mobile": "13800000001"}) == 4030
    assert code(client, data={**OK, "mobile": "13800000002"}) == 4030
    assert code(client) == 2


def test_ip_restricted():
    client = client_for("ip-restricted")
    v2 = {**OK, "account": "V00000002"}
    assert code(client) == 4052
    assert code(client, "GetNum", DEMO) == 400
    assert code(client, ip="10.0.0.1") == 2
    assert code(client, data=v2) == 2
    assert code(client, data=v2, ip="127.0.0.2") == 400


def test_rate_limited_per_mobile_then_per_account_with_freeze():
    client = client_for("rate-limited")
    assert [code(client) for _ in range(4)] == [2, 2, 2, 0]
    codes = [code(client, data={**OK, "mobile": f"1381234000{i}"}) for i in range(8)]
    assert codes == [2] * 7 + [408]  # 3 + 7 = 10 deliveries, then the abuse limit trips
    assert code(client, data={**OK, "mobile": "13700000000"}) == 408  # frozen now
    assert code(client, "GetNum", DEMO) == 4050


def test_sequence_fails_then_succeeds():
    client = client_for("sequence")
    assert [code(client) for _ in range(4)] == [0, 2, 2, 2]
    client.post("/_sandbox/reset")
    assert code(client) == 0


def test_no_namespace():
    body = client_for("no-namespace").post(f"{VOICE}?method=Submit", data=OK).data
    assert b"<SubmitResult>\n<code>2</code>" in body


def outcome(sandbox, i: int) -> str:
    try:
        status, _, body = sandbox.call("Submit", {**OK, "mobile": f"137{i:08d}"}, timeout=10)
    except (ConnectionError, http.client.RemoteDisconnected, urllib.error.URLError):
        return "reset"
    if status != 200:
        return str(status)
    try:
        parse_xml(body)
    except MalformedBody:
        return "truncated"
    return "ok"


def test_flaky_network_mixes_faults_and_replays_with_its_seed(tmp_path):
    runs = []
    for _ in range(2):
        with running_sandbox("--scenario", "flaky-network", "--db", str(tmp_path / f"{len(runs)}.db")) as sandbox:
            runs.append([outcome(sandbox, i) for i in range(60)])
    assert runs[0] == runs[1]
    assert {"reset", "503", "truncated", "ok"} <= set(runs[0])


def test_slow_provider_answers_late_but_right(tmp_path):
    with running_sandbox("--scenario", "slow-provider", "--db", str(tmp_path / "s.db")) as sandbox:
        started = time.monotonic()
        status, _, body = sandbox.call("Submit", OK)
        assert status == 200 and parse_xml(body).code == 2
        assert time.monotonic() - started >= 0.5
