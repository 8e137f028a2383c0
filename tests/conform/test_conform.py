"""``ihuyi-sandbox conform`` run as a process against a second sandbox standing for the real
service: started (a real ``serve``) with a scenario that differs from the default in known ways,
or with the default itself, or not answering as a service at all."""

from __future__ import annotations

import http.server
import os
import re
import socket
import subprocess
import sys
import threading

import pytest

from ihuyi_sandbox.service.records import DEMO_APIKEY
from ihuyi_sandbox.testing import SandboxAPI, running_sandbox

#: each product's demo account in both sandboxes
ACCOUNTS = {"voice": "V00000001", "sms": "C00000001", "isms": "I00000001", "voice_notice": "VM00000001",
            "marketing": "M00000001"}
XML_TYPE = "application/xml"
JSON_TYPE = "text/json; charset=UTF-8"
#: the default's demo accounts, answering without the namespace, with smsid as the voice id
#: element, the documents' texts, num as a number and other Content-Types
DIFFERING = f'''name = "differing"
description = "the default's accounts, answering otherwise in known ways"
[settings]
namespace = ""
voice_id_element = "smsid"
message_set = "doc"
num_as_string = false
xml_content_type = "{XML_TYPE}"
json_content_type = "{JSON_TYPE}"
''' + "".join(f'[[accounts]]\napiid = "{a}"\napikey = "{DEMO_APIKEY}"\nbalance = 1000\n' for a in ACCOUNTS.values())

#: what each product's probes show of those settings: the voice products' Submit carries the id
#: element, every product but voice codes has a probed text that the documents word otherwise
SHOWN = {
    "namespace": '""  |  "http://106.ihuyi.com/"',
    "num_as_string": "false  |  true",
    "xml_content_type": f'"{XML_TYPE}"  |  "text/xml; charset=utf-8"',
    "json_content_type": f'"{JSON_TYPE}"  |  "application/json; charset=utf-8"',
}
EXPECTED = {
    "voice": {**SHOWN, "voice_id_element": '"smsid"  |  "voiceid"'},
    "voice_notice": {**SHOWN, "voice_id_element": '"smsid"  |  "voiceid"',
                     "message of Submit 404": "语音通知内容不能为空  |  语音内容不能为空"},
    "sms": {**SHOWN, "message of Submit 406": "手机号码格式不正确  |  手机格式不正确，格式为11位的数字."},
    "isms": {**SHOWN, "message of Submit 406": "手机号码格式不正确  |  手机格式不正确，格式为11位的数字."},
    "marketing": {**SHOWN, "message of Submit 406": "手机号码格式不正确  |  手机格式不正确，格式为11位的数字."},
}


def conform(upstream: str, product: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ihuyi_sandbox", "conform", "--upstream", upstream,
                           "--account", ACCOUNTS[product], "--apikey", DEMO_APIKEY, *args],
                          capture_output=True, text=True, timeout=timeout)


def settings_shown(output: str) -> dict[str, str]:
    """The 'settings the answers show apart' section: setting → 'upstream  |  sandbox'."""
    section = output.split("settings the answers show apart (upstream, sandbox):\n", 1)
    if len(section) == 1:
        return {}
    lines = section[1].split("\n\n", 1)[0].splitlines()
    return dict(line.strip().split(": ", 1) for line in lines)


def table_rows(output: str) -> list[str]:
    head = output.split("\nprobe ", 1)
    return [] if len(head) == 1 else head[1].split("\n\n", 1)[0].splitlines()[1:]


def differing_count(output: str) -> tuple[int, int]:
    found = re.search(r"^(\d+) of (\d+) probes differ$", output, re.M)
    assert found, output
    return int(found.group(1)), int(found.group(2))


@pytest.fixture(scope="module")
def differing(tmp_path_factory):
    folder = tmp_path_factory.mktemp("differing")
    (folder / "differing.toml").write_text(DIFFERING, encoding="utf-8")
    with running_sandbox("--db", str(folder / "up.db"), "--scenario", str(folder / "differing.toml")) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def identical(tmp_path_factory):
    with running_sandbox("--db", str(tmp_path_factory.mktemp("identical") / "up.db")) as sandbox:
        yield sandbox


@pytest.mark.parametrize("product", list(ACCOUNTS))
def test_an_identical_upstream_shows_no_difference(identical, product):
    run = conform(identical.url, product)
    assert run.returncode == 0, run.stdout + run.stderr
    assert differing_count(run.stdout)[0] == 0 and differing_count(run.stdout)[1] > 20
    assert table_rows(run.stdout) == [] and settings_shown(run.stdout) == {}


@pytest.mark.parametrize("product", list(ACCOUNTS))
def test_the_known_differences_are_reported_and_the_written_scenario_removes_them(differing, product, tmp_path):
    written = tmp_path / "conformed.toml"
    run = conform(differing.url, product, "--write-scenario", str(written))
    assert run.returncode == 1, run.stdout + run.stderr
    assert settings_shown(run.stdout) == EXPECTED[product]
    aspects = {re.split(r"\s{2,}", row)[1] for row in table_rows(run.stdout)}
    assert aspects == {"Content-Type", "body"}  # never the status: every answer is HTTP 200 on both sides
    assert f"scenario written to {written}" in run.stdout
    check = subprocess.run([sys.executable, "-m", "ihuyi_sandbox", "scenarios", "check", str(written)],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr

    again = conform(differing.url, product, "--scenario", str(written))
    assert again.returncode == 0, again.stdout + again.stderr
    assert differing_count(again.stdout) == (0, differing_count(run.stdout)[1])


def test_the_written_scenario_keeps_the_base_scenarios_accounts_and_rules(differing, tmp_path):
    written = tmp_path / "conformed.toml"
    conform(differing.url, "sms", "--write-scenario", str(written))
    text = written.read_text(encoding="utf-8")
    assert 'mobile_prefix = "1390000"' in text  # the default's magic numbers
    assert text.count(DEMO_APIKEY) == len(ACCOUNTS)  # the sandbox's demo keys, which the default holds
    assert 'message_set = "doc"' in text and 'namespace = ""' in text


def test_without_allow_charged_probes_no_probe_that_could_succeed_is_sent(identical):
    api = SandboxAPI(identical.url)
    api.reset()
    for product in ACCOUNTS:
        assert conform(identical.url, product, "--mobile", "13812345678").returncode == 0
    submits = api.requests(method="Submit", limit=1000)
    assert len(submits) > 100
    assert [r for r in submits if r["code"] == 2] == []
    assert api.messages() == []


@pytest.mark.parametrize(("product", "allowed", "codes"), [("marketing", "1", [4070]), ("voice", "5", [2])])
def test_allowed_charged_probes_are_at_most_n_and_go_to_the_mobile_named(identical, product, allowed, codes):
    api = SandboxAPI(identical.url)
    api.reset()
    run = conform(identical.url, product, "--allow-charged-probes", allowed, "--mobile", "13812345678")
    assert f"CHARGED: {len(codes)} probes" in run.stdout
    assert run.returncode == 0, run.stdout + run.stderr
    # the charged cases: a success, or marketing's signature that free text would follow
    charged = [r for r in api.requests(method="Submit", limit=1000) if r["params"].get("sign") == "#"
               and r["product"] == "marketing" or r["code"] == 2]
    assert [r["code"] for r in charged] == codes
    assert {r["params"]["mobile"] for r in charged} == {"13812345678"}


def test_a_sandbox_running_elsewhere_may_be_the_one_compared(identical, differing):
    run = conform(differing.url, "sms", "--sandbox", identical.url)
    assert run.returncode == 1 and settings_shown(run.stdout) == EXPECTED["sms"]
    assert f"and to           {identical.url}" in run.stdout


@pytest.mark.parametrize(("args", "said"), [
    (("--upstream", "ftp://example.com"), "is not a base URL"),
    (("--upstream", "http://127.0.0.1:1", "--product", "pager"), "unknown product 'pager'"),
    (("--upstream", "http://127.0.0.1:1", "--path", "/webservice/sms.php"), "not on /webservice/sms.php"),
    (("--upstream", "http://127.0.0.1:1", "--scenario", "no-such-scenario"), "does not load"),
])
def test_a_run_that_cannot_be_made_is_said_in_one_line(args, said):
    run = subprocess.run([sys.executable, "-m", "ihuyi_sandbox", "conform", "--account", "V00000001",
                          "--apikey", DEMO_APIKEY, *args], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and said in run.stderr and "Traceback" not in run.stderr, run.stderr


def test_charged_probes_need_a_mobile(identical):
    run = conform(identical.url, "voice", "--allow-charged-probes", "2")
    assert run.returncode == 2 and "needs --mobile" in run.stderr


def test_save_keeps_each_request_and_both_answers_without_the_credentials(identical, tmp_path):
    api = SandboxAPI(identical.url)
    api.call("POST", "/_sandbox/accounts", {"apiid": "V12345678", "apikey": "the-upstream-key-nobody-may-see",
                                            "balance": 5})
    saved = tmp_path / "saved"
    run = subprocess.run([sys.executable, "-m", "ihuyi_sandbox", "conform", "--upstream", identical.url,
                          "--account", "V12345678", "--save", str(saved)], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "IHUYI_APIKEY": "the-upstream-key-nobody-may-see"})
    assert run.returncode == 0, run.stdout + run.stderr
    files = sorted(saved.iterdir())
    count = differing_count(run.stdout)[1]
    assert len(files) == 3 * count
    requests = [f for f in files if f.name.endswith(".request.txt")]
    first = requests[0].read_text()
    assert first.startswith("POST /webservice/voice.php?method=GetNum") and "account=***&password=***" in first
    assert (saved / requests[0].name.replace(".request.", ".upstream.")).read_bytes().startswith(b"HTTP 200\n")
    for file in files:
        data = file.read_bytes()
        assert b"the-upstream-key-nobody-may-see" not in data and b"V12345678" not in data, file.name
    assert "the-upstream-key" not in run.stdout + run.stderr and "V12345678" not in run.stdout + run.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_upstream_that_is_down_gets_a_clear_error():
    url = f"http://127.0.0.1:{free_port()}"
    run = conform(url, "voice", "--timeout", "2")
    assert run.returncode == 2
    assert f"the upstream does not answer: connection refused by {url}" in run.stderr
    assert "Traceback" not in run.stderr


def test_an_upstream_that_never_answers_gets_a_clear_error_within_the_timeout():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections are taken in, and never answered
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        run = conform(url, "voice", "--timeout", "0.5", timeout=30)
    assert run.returncode == 2
    assert f"the upstream does not answer: no answer within 0.5 s from {url}" in run.stderr


def test_a_probe_left_unanswered_is_a_difference_that_names_no_credential(tmp_path):
    scenario = tmp_path / "hangs.toml"
    scenario.write_text('''name = "hangs once"
description = "the first Submit to 12345 is never answered"
[[accounts]]
apiid = "V87654321"
apikey = "a-key-that-must-stay-secret"
balance = 5
[[rules]]
mobile = "12345"
fault = "hang"
hang_seconds = 3
times = 1
''')
    with running_sandbox("--db", str(tmp_path / "up.db"), "--scenario", str(scenario)) as upstream:
        run = subprocess.run([sys.executable, "-m", "ihuyi_sandbox", "conform", "--upstream", upstream.url,
                              "--account", "V87654321", "--apikey", "a-key-that-must-stay-secret", "--timeout", "0.5",
                              "--save", str(tmp_path / "saved")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    # the rule hangs once per account: once without one (401), once with it (402)
    rows = [row for row in table_rows(run.stdout) if "no answer within 0.5 s" in row]
    assert [row.split("  ")[0] for row in rows] == ["Submit 401 xml GET", "Submit 402 xml GET"]
    assert differing_count(run.stdout)[0] == 2
    unanswered = [f.read_text() for f in (tmp_path / "saved").glob("*.upstream.txt") if "no answer" in f.read_text()]
    assert len(unanswered) == 2 and all("=***&" in text for text in unanswered)
    for text in [run.stdout, run.stderr, *(f.read_text() for f in (tmp_path / "saved").iterdir())]:
        assert "a-key-that-must-stay-secret" not in text and "V87654321" not in text


class _Garbage(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "13")
        self.end_headers()
        self.wfile.write(b"<h1>hello</h1"[:13])

    def log_message(self, *args: object) -> None:
        pass


def test_an_upstream_that_answers_garbage_gets_a_clear_error():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Garbage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        run = conform(f"http://127.0.0.1:{server.server_address[1]}", "voice")
    finally:
        server.shutdown()
        server.server_close()
    assert run.returncode == 2
    assert "does not answer as an ihuyi service: HTTP 200, Content-Type text/html, body <h1>hello</h1" in run.stderr


def test_wrong_credentials_are_said_before_anything_else_is_sent(identical):
    api = SandboxAPI(identical.url)
    api.reset()
    run = subprocess.run([sys.executable, "-m", "ihuyi_sandbox", "conform", "--upstream", identical.url,
                          "--account", "V00000001", "--apikey", "wrong"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "the upstream refuses the account and key: code 405" in run.stderr
    assert len(api.requests()) == 1


def test_a_product_the_apiid_does_not_name_must_be_given(identical):
    run = subprocess.run([sys.executable, "-m", "ihuyi_sandbox", "conform", "--upstream", identical.url,
                          "--account", "cf_legacy", "--apikey", "k"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "give --product" in run.stderr
