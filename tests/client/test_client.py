"""The client library against a real sandbox process over HTTP: every code, every fault."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from ihuyi_sandbox.testing import running_sandbox
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ihuyi_sandbox.client import SubmitResult, VoiceClient, parse_answer
from ihuyi_sandbox.products.voice.codes import GETNUM_CODES, SUBMIT_CODES, Code, message_for
from ihuyi_sandbox.errors import (ERRORS, AccountFrozenError, BalanceExhaustedError, ContentError,
                                  CredentialsError, IhuyiError, IPRefusedError, MobileBlacklistedError,
                                  MobileError, SubmissionFailedError, TransportError)
from ihuyi_sandbox.service.records import DEMO_APIID, DEMO_APIKEY
from ihuyi_sandbox.products.voice.answers import answer as voice_answer
from ihuyi_sandbox.wire.answers import Answer, render_json, render_xml

MOBILE = "13812345678"
FORMATS = ["xml", "json"]

# Accounts and lists whose state answers a code with real inputs (no rule forces anything here).
STATES_TOML = f"""
name = "client-states"
description = "one account per state the client must report"
blacklist = ["13800000001"]

[[accounts]]
apiid = "V00000001"
apikey = "{DEMO_APIKEY}"
balance = 1000

[[accounts]]
apiid = "V00000002"
apikey = "{DEMO_APIKEY}"
balance = 0

[[accounts]]
apiid = "V00000003"
apikey = "{DEMO_APIKEY}"
balance = 1000
frozen = true

[[accounts]]
apiid = "V00000004"
apikey = "{DEMO_APIKEY}"
balance = 1000
auto_frozen = true

[[accounts]]
apiid = "V00000005"
apikey = "{DEMO_APIKEY}"
balance = 1000
registered_ips = ["10.0.0.1"]
"""

# The class each failure code must raise: the grouping, written out independently of ERRORS.
EXPECTED: dict[int, type[IhuyiError]] = {
    0: SubmissionFailedError,
    400: IPRefusedError, 4052: IPRefusedError,
    401: CredentialsError, 402: CredentialsError, 405: CredentialsError,
    40501: CredentialsError, 40502: CredentialsError,
    4050: AccountFrozenError, 408: AccountFrozenError,
    4051: BalanceExhaustedError,
    403: MobileError, 406: MobileError, 4030: MobileBlacklistedError,
    404: ContentError, 4070: ContentError, 407: ContentError,
}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A sandbox process running the default scenario (magic numbers); yields its base URL."""
    db = tmp_path_factory.mktemp("client") / "default.db"
    with running_sandbox("--db", str(db), "--scenario", "default", "--fresh") as running:
        yield running.url


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A sandbox process whose accounts are frozen, empty, IP-restricted...; yields its base URL."""
    folder = tmp_path_factory.mktemp("client-states")
    (folder / "states.toml").write_text(STATES_TOML, encoding="utf-8")
    with running_sandbox("--db", str(folder / "states.db"), "--scenario", str(folder / "states.toml"),
                       "--fresh") as running:
        yield running.url


@pytest.fixture
def voice(clients) -> Callable[..., VoiceClient]:
    """VoiceClient or AsyncVoiceClient (tests/client/conftest.py): every test below runs with both."""
    return clients.VoiceClient


@pytest.fixture
def demo(voice) -> Callable[..., VoiceClient]:
    return lambda url, **options: voice(DEMO_APIID, DEMO_APIKEY, url, **options)


def raised(call, expected: type[Exception] = TransportError) -> Exception:
    with pytest.raises(expected) as info:
        call()
    return info.value


def check(error: Exception, code: int, method: str = "Submit") -> None:
    assert isinstance(error, IhuyiError) and not isinstance(error, TransportError)
    assert type(error) is EXPECTED[code]
    assert (error.code, error.message) == (code, message_for(code, method))


# -- the module itself ----------------------------------------------------------------------------
def test_importing_the_client_does_not_import_flask():
    program = "import ihuyi_sandbox.client, ihuyi_sandbox.errors, sys; assert 'flask' not in sys.modules"
    subprocess.run([sys.executable, "-c", program], check=True)


def test_every_failure_code_has_its_class_and_transport_error_is_apart():
    assert {int(code): cls for code, cls in ERRORS.items()} == EXPECTED
    assert set(ERRORS) == set(Code) - {Code.OK}
    assert not issubclass(TransportError, IhuyiError)


@pytest.mark.parametrize("options", [{"format": "yaml"}, {"timeout": 0}])
def test_bad_options_are_refused_at_once(demo, options):
    with pytest.raises(ValueError):
        demo("http://127.0.0.1:8080", **options)


@pytest.mark.parametrize("url", ["ftp://example.com", "api.voice.ihuyi.com", "http://host:port", "http://h/?a=1"])
def test_bad_base_urls_are_refused_at_once(demo, url):
    with pytest.raises(ValueError):
        demo(url)


# -- success ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("dynamic", [False, True], ids=["apikey", "dynamic"])
def test_send_code_succeeds_and_takes_one_unit(demo, sandbox, format, dynamic):
    client = demo(sandbox, format=format, dynamic_password=dynamic)
    before = client.balance()
    result = client.send_code(MOBILE, "1234")
    assert isinstance(result, SubmitResult)
    assert (result.code, result.message) == (2, "提交成功")
    assert result.voiceid.isdigit() and result.voiceid != "0"
    assert client.balance() == before - 1


def test_a_base_url_with_a_trailing_slash_works(demo, sandbox):
    assert demo(sandbox + "/").send_code(MOBILE, "123456").code == 2


def test_slow_answer_within_the_timeout_is_an_ordinary_success(demo, sandbox):
    assert demo(sandbox, timeout=8).send_code("13900011000", "1234").code == 2


# -- every code -----------------------------------------------------------------------------------
MAGIC = sorted(int(code) for code in SUBMIT_CODES if code != Code.OK and code < 10_000)


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("code", MAGIC)
def test_every_forced_code_raises_its_class(demo, sandbox, code, format):
    error = raised(lambda: demo(sandbox, format=format).send_code(f"1390000{code:04d}", "1234"), IhuyiError)
    check(error, code)


SUBMIT_INPUTS = [  # (account, apikey, mobile, content, code) answered by the contract's checks
    ("", DEMO_APIKEY, MOBILE, "1234", 401),
    (DEMO_APIID, "", MOBILE, "1234", 402),
    (DEMO_APIID, "wrong", MOBILE, "1234", 405),
    ("V99999999", DEMO_APIKEY, MOBILE, "1234", 405),
    (DEMO_APIID, DEMO_APIKEY, "", "1234", 403),
    (DEMO_APIID, DEMO_APIKEY, "12345", "1234", 406),
    (DEMO_APIID, DEMO_APIKEY, "23812345678", "1234", 406),
    (DEMO_APIID, DEMO_APIKEY, MOBILE, "", 404),
    (DEMO_APIID, DEMO_APIKEY, MOBILE, "12a4", 4070),
    (DEMO_APIID, DEMO_APIKEY, MOBILE, "1234567", 4070),
]


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize(("account", "apikey", "mobile", "content", "code"), SUBMIT_INPUTS)
def test_submit_codes_from_real_inputs(voice, sandbox, account, apikey, mobile, content, code, format):
    client = voice(account, apikey, sandbox, format=format)
    check(raised(lambda: client.send_code(mobile, content), IhuyiError), code)


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize(("account", "apikey", "code"),
                         [("", DEMO_APIKEY, 401), (DEMO_APIID, "", 402), (DEMO_APIID, "wrong", 405)])
def test_getnum_codes_from_real_inputs(voice, sandbox, account, apikey, code, format):
    client = voice(account, apikey, sandbox, format=format)
    check(raised(client.balance, IhuyiError), code, "GetNum")


@pytest.mark.parametrize("format", FORMATS)
def test_dynamic_password_off_the_clock_or_with_the_wrong_key(demo, voice, sandbox, format):
    stale = demo(sandbox, format=format, dynamic_password=True, clock=lambda: time.time() - 3600)
    check(raised(lambda: stale.send_code(MOBILE, "1234"), IhuyiError), 40501)
    check(raised(stale.balance, IhuyiError), 40501, "GetNum")
    wrong = voice(DEMO_APIID, "wrong", sandbox, format=format, dynamic_password=True)
    check(raised(lambda: wrong.send_code(MOBILE, "1234"), IhuyiError), 40502)
    check(raised(wrong.balance, IhuyiError), 40502, "GetNum")


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize(("account", "mobile", "submit_code", "getnum_code"), [
    ("V00000002", MOBILE, 4051, None),          # balance 0
    ("V00000003", MOBILE, 4050, 4050),          # frozen by the operator
    ("V00000004", MOBILE, 408, 4050),           # frozen for abuse
    ("V00000005", MOBILE, 4052, 400),           # registered 10.0.0.1 only
    ("V00000001", "13800000001", 4030, None),   # blacklisted mobile
])
def test_codes_from_the_accounts_state(voice, states, account, mobile, submit_code, getnum_code, format):
    client = voice(account, DEMO_APIKEY, states, format=format)
    check(raised(lambda: client.send_code(mobile, "1234"), IhuyiError), submit_code)
    if getnum_code is None:
        assert isinstance(client.balance(), int)
    else:
        check(raised(client.balance, IhuyiError), getnum_code, "GetNum")


# -- every fault ----------------------------------------------------------------------------------
TIMEOUT = 1.0
FAULTS = {  # magic mobile → words the error must say
    "13900011000": f"no answer within {TIMEOUT} s",   # 3 s of latency
    "13900011001": f"no answer within {TIMEOUT} s",   # silent for 20 s
    "13900011002": "connection",                      # reset
    "13900011003": "not a contract answer",           # truncated
    "13900011004": "not a contract answer",           # malformed
    "13900011005": "empty body",
    "13900011006": "unexpected Content-Type 'text/html",
    "13900010500": "HTTP 500 from http://",
    "13900010502": "HTTP 502 from http://",
    "13900010503": "HTTP 503 from http://",
    "13900010504": "HTTP 504 from http://",
}


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("mobile", sorted(FAULTS))
def test_every_fault_is_a_transport_error_within_the_timeout(demo, sandbox, mobile, format):
    client = demo(sandbox, format=format, timeout=TIMEOUT)
    started = time.monotonic()
    error = raised(lambda: client.send_code(mobile, "1234"))
    # generous: what matters is that the 20 s hang does not hold the caller
    assert time.monotonic() - started < TIMEOUT + 5
    assert FAULTS[mobile] in error.message and error.request_sent
    assert error.url == f"{sandbox}/webservice/voice.php?method=Submit"


def test_a_refused_connection_is_a_transport_error_and_nothing_was_sent(demo):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = raised(lambda: demo(f"http://127.0.0.1:{port}", timeout=TIMEOUT).balance())
    assert "connection refused" in error.message and not error.request_sent


def test_a_silent_server_is_a_timeout_even_when_it_trickles(demo):
    """A server that accepts and then sends a byte at a time never holds the caller past the
    timeout: the deadline bounds the whole exchange, not each read."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]

        def trickle() -> None:
            conn, _ = server.accept()
            with conn:
                conn.recv(65536)
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100:
                    try:
                        conn.sendall(bytes([byte]))
                    except OSError:
                        return
                    time.sleep(0.2)

        thread = threading.Thread(target=trickle, daemon=True)
        thread.start()
        started = time.monotonic()
        error = raised(lambda: demo(f"http://127.0.0.1:{port}", timeout=TIMEOUT).balance())
        assert time.monotonic() - started < TIMEOUT + 5
        assert "no answer within" in error.message and error.request_sent


# -- properties -----------------------------------------------------------------------------------
MOBILES = st.from_regex(r"\A1[3-8][0-9]{9}\Z").filter(lambda m: not m.startswith("139"))
CONTENTS = st.from_regex(r"\A[0-9]{4,6}\Z")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mobile=MOBILES, content=CONTENTS, format=st.sampled_from(FORMATS), dynamic=st.booleans())
def test_round_trip_of_any_valid_request(demo, sandbox, mobile, content, format, dynamic):
    result = demo(sandbox, format=format, dynamic_password=dynamic).send_code(mobile, content)
    assert result.code == 2 and result.message == "提交成功"
    assert result.voiceid.isdigit() and result.voiceid != "0"


@st.composite
def answers(draw: st.DrawFn) -> Answer:
    method = draw(st.sampled_from(["Submit", "GetNum"]))
    code = draw(st.sampled_from(sorted(SUBMIT_CODES if method == "Submit" else GETNUM_CODES)))
    value = str(draw(st.integers(1, 10**20 - 1) if method == "Submit" else st.integers(0, 10**10)))
    return voice_answer(method, code, value)


NAMESPACES = st.one_of(st.sampled_from(["http://106.ihuyi.com/", "http://106.ihuyi.cn/", ""]),
                       st.from_regex(r"\Ahttps?://[a-z]{1,12}\.(com|cn)/[a-z]{0,8}\Z"))


@st.composite
def rendered(draw: st.DrawFn) -> tuple[Answer, str, bytes]:
    """Any answer the server can send, in any format and setting it can send it in."""
    answer = draw(answers())
    if draw(st.sampled_from(FORMATS)) == "json":
        return answer, "json", render_json(answer, draw(st.booleans()))
    return answer, "xml", render_xml(answer, draw(NAMESPACES))


@given(rendered())
def test_the_parser_accepts_every_body_the_server_can_send(case):
    answer, format, body = case
    assert parse_answer(body, answer.method, format) == answer


@given(rendered(), st.data())
def test_the_parser_rejects_truncated_bodies(case, data):
    answer, format, body = case
    # dropping the XML's trailing newline alone leaves a complete document
    cut = data.draw(st.integers(0, len(body.rstrip(b"\n")) - 1))
    with pytest.raises(TransportError):
        parse_answer(body[:cut], answer.method, format)


def _significant_positions(body: bytes, answer: Answer, format: str) -> list[int]:
    """Where the code's digits and the message's bytes lie: any change there must be caught.
    (Elsewhere a change may be harmless: a namespace, the whitespace between elements, an id.)"""
    code = str(answer.code).encode()
    opening = b"<code>" if format == "xml" else b'"code":'
    start = body.index(opening + code) + len(opening)
    msg = answer.msg.encode()
    msg_start = body.index(msg, start)
    return [*range(start, start + len(code)), *range(msg_start, msg_start + len(msg))]


@given(rendered(), st.integers(0, 10_000), st.integers(0, 255))
def test_the_parser_rejects_a_changed_code_or_message(case, index, byte):
    answer, format, body = case
    positions = _significant_positions(body, answer, format)
    position = positions[index % len(positions)]
    assume(body[position] != byte)
    altered = body[:position] + bytes([byte]) + body[position + 1:]
    with pytest.raises(TransportError):
        parse_answer(altered, answer.method, format)


@given(rendered(), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 3), st.binary(max_size=4)),
                            min_size=1, max_size=4))
def test_the_parser_never_raises_anything_but_transport_error(case, edits):
    """Any edit (replace, insert, delete bytes) gives a consistent answer or a TransportError."""
    answer, format, body = case
    for position, drop, insert in edits:
        position %= len(body) + 1
        body = body[:position] + insert + body[position + drop:]
    try:
        parsed = parse_answer(body, answer.method, format)
    except TransportError:
        return
    assert parsed == voice_answer(parsed.method, parsed.code, parsed.value)


@pytest.mark.parametrize(("body", "format"), [
    (b"", "xml"), (b"", "json"),
    (b"[" * 100_000, "json"),
    (b'{"code":' + b"[" * 100_000, "json"),
    (b"<a>" * 100_000, "xml"),
    (b'<?xml version="1.0" encoding="utf-9"?>\n<SubmitResult/>', "xml"),
    (b'<!DOCTYPE x [<!ENTITY e "2">]><SubmitResult><code>&e;</code><msg>x</msg><voiceid>1</voiceid></SubmitResult>',
     "xml"),
    (b"\xef\xbb\xbf" + render_json(voice_answer("Submit", 2, "1")), "json"),
    (b'{"code":2,"msg":"\xe6\x8f\x90\xe4\xba\xa4\xe6\x88\x90\xe5\x8a\x9f","voiceid":1}', "json"),
    (b'{"code":' + b"9" * 5000 + b',"msg":"x","voiceid":"0"}', "json"),
    (render_xml(voice_answer("GetNum", 2, "5")), "xml"),   # a GetNum answer to a Submit
    (b"x" * 100_000, "xml"),
])
def test_hostile_bodies_are_transport_errors(body, format):
    with pytest.raises(TransportError):
        parse_answer(body, "Submit", format)
