"""Delivery receipts pushed to a real receiving HTTP server on loopback."""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from tests.support import DEMO, scenario_text
from ihuyi_sandbox.testing import running_sandbox

from ihuyi_sandbox.client import parse_receipt
from ihuyi_sandbox.testing import SandboxAPI, SandboxError, wait_until
from ihuyi_sandbox.products.voice.answers import parse_xml

OK = {**DEMO, "content": "1234"}


class Receiver:
    """Answers each POST with the next of ``answers`` ("success", "fail", "hang", "redirect" to
    ``location``; the last repeats)."""

    def __init__(self, answers: list[str]) -> None:
        self.answers = answers
        self.location = ""
        self.received: list[tuple[float, dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    n = len(receiver.received)
                    receiver.received.append((time.monotonic(), dict(urllib.parse.parse_qsl(body.decode())), body))
                answer = receiver.answers[min(n, len(receiver.answers) - 1)]
                if answer == "hang":
                    time.sleep(4)
                    return
                if answer == "redirect":
                    self.send_response(302)
                    self.send_header("Location", receiver.location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                payload = b"success" if answer == "success" else b"error"
                self.send_response(200 if answer == "success" else 500)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        ThreadingHTTPServer.request_queue_size = 64  # ten receipts may arrive at once
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/ihuyi/receipt"

    def count(self) -> int:
        with self.lock:
            return len(self.received)


@contextmanager
def receiver(answers: list[str]) -> Iterator[Receiver]:
    r = Receiver(answers)
    thread = threading.Thread(target=r.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield r
    finally:
        r.server.shutdown()


def scenario(tmp_path, url: str, *, delay: float = 0.2, retry: float = 1.0, timeout: float = 1.0) -> str:
    path = tmp_path / "receipts.toml"
    settings = f"receipt_delay_seconds = {delay}\nreceipt_retry_seconds = {retry}\nreceipt_timeout_seconds = {timeout}\n"
    path.write_text(scenario_text(balance=100, settings=settings, account=f'receipt_url = "{url}"\n',
                                  more='[[rules]]\nmobile = "13900020003"\noutcome = "busy"\n'))
    return str(path)


def submit(sandbox, mobile: str = "13812345678") -> str:
    answer = parse_xml(sandbox.call("Submit", {**OK, "mobile": mobile})[2])
    assert answer.code == 2
    return answer.value


def test_success_on_the_first_attempt_with_the_documented_fields(tmp_path):
    with receiver(["success"]) as r, running_sandbox("--db", str(tmp_path / "s.db"),
                                                   "--scenario", scenario(tmp_path, r.url)) as sandbox:
        voiceid = submit(sandbox)
        assert wait_until(lambda: r.count() == 1)
        _, form, body = r.received[0]
        assert list(form) == ["code", "msg", "mobilephone", "voiceid", "report_time"]
        assert (form["code"], form["msg"], form["mobilephone"], form["voiceid"]) == ("1", "用户已接听", "13812345678",
                                                                                     voiceid)
        receipt = parse_receipt(body)
        assert receipt.answered and receipt.voiceid == voiceid and receipt.outcome == "answered"
        api = SandboxAPI(sandbox.url)
        assert wait_until(lambda: api.receipts()[0]["status"] == "sent")
        (attempt,) = api.receipts()[0]["attempts"]
        assert (attempt["status"], attempt["body"], attempt["error"], attempt["url"]) == (200, "success", "", r.url)
        assert api.messages()[0]["receipt"] == "sent"
        time.sleep(0.5)
        assert r.count() == 1


def test_failure_then_success_after_the_interval(tmp_path):
    with receiver(["fail", "success"]) as r, running_sandbox(
            "--db", str(tmp_path / "s.db"), "--scenario", scenario(tmp_path, r.url, retry=1.0)) as sandbox:
        submit(sandbox, "13900020003")
        assert wait_until(lambda: r.count() == 2, 10)
        (first, form, _), (second, again, _) = r.received
        assert second - first >= 0.9  # the configured interval
        assert form == again and (form["code"], form["msg"]) == ("3", "用户忙")
        api = SandboxAPI(sandbox.url)
        assert wait_until(lambda: api.receipts()[0]["status"] == "sent")
        attempts = api.receipts()[0]["attempts"]
        assert [a["status"] for a in attempts] == [500, 200]
        assert "HTTP 500" in attempts[0]["error"]


def test_three_failures_and_then_no_more(tmp_path):
    with receiver(["fail"]) as r, running_sandbox(
            "--db", str(tmp_path / "s.db"), "--scenario", scenario(tmp_path, r.url, retry=0.3)) as sandbox:
        submit(sandbox)
        api = SandboxAPI(sandbox.url)
        assert wait_until(lambda: api.receipts()[0]["status"] == "failed", 10)
        times = [t for t, _, _ in r.received]
        assert len(times) == 3
        assert times[2] - times[1] > times[1] - times[0]  # the interval grows
        time.sleep(1.5)
        assert r.count() == 3 and len(api.receipts()[0]["attempts"]) == 3


def test_a_receiver_that_hangs_is_a_failed_attempt(tmp_path):
    with receiver(["hang", "success"]) as r, running_sandbox(
            "--db", str(tmp_path / "s.db"), "--scenario", scenario(tmp_path, r.url, retry=0.5, timeout=1.0)) as sandbox:
        submit(sandbox)
        api = SandboxAPI(sandbox.url)
        assert wait_until(lambda: api.receipts()[0]["status"] == "sent", 15)
        first = api.receipts()[0]["attempts"][0]
        assert first["status"] is None and "timed out" in first["error"]


def test_pending_receipts_survive_a_restart_and_go_once(tmp_path):
    db = str(tmp_path / "s.db")
    with receiver(["success"]) as r:
        path = scenario(tmp_path, r.url, delay=3.0)
        with running_sandbox("--db", db, "--scenario", path) as sandbox:
            voiceid = submit(sandbox)
        assert r.count() == 0
        with running_sandbox("--db", db, "--scenario", path) as sandbox:
            api = SandboxAPI(sandbox.url)
            assert api.receipts()[0]["status"] == "pending"
            assert wait_until(lambda: r.count() == 1, 10)
            assert wait_until(lambda: api.receipts()[0]["status"] == "sent")
            time.sleep(0.5)
        assert r.count() == 1 and r.received[0][1]["voiceid"] == voiceid


def test_several_workers_still_one_post_per_attempt(tmp_path):
    with receiver(["fail", "success"]) as r, running_sandbox(
            "--db", str(tmp_path / "s.db"), "--workers", "3",
            "--scenario", scenario(tmp_path, r.url, delay=0.1, retry=0.5)) as sandbox:
        ids = [submit(sandbox, f"1381234{i:04d}") for i in range(10)]
        api = SandboxAPI(sandbox.url)
        assert wait_until(lambda: all(x["status"] == "sent" or x["status"] == "failed"
                                      for x in api.receipts()) and len(api.receipts()) == 10, 20)
        posts_per_voiceid: dict[str, int] = {}
        for _, form, _ in r.received:
            posts_per_voiceid[form["voiceid"]] = posts_per_voiceid.get(form["voiceid"], 0) + 1
        # every attempt that reached the receiver was one POST, and no more
        answered = {x["voiceid"]: sum(a["status"] is not None for a in x["attempts"]) for x in api.receipts()}
        assert set(posts_per_voiceid) == set(ids)
        assert posts_per_voiceid == answered


def test_flush_sends_now_instead_of_waiting(tmp_path):
    with receiver(["success"]) as r, running_sandbox(
            "--db", str(tmp_path / "s.db"), "--scenario", scenario(tmp_path, r.url, delay=600)) as sandbox:
        submit(sandbox)
        api = SandboxAPI(sandbox.url)
        time.sleep(0.5)
        assert r.count() == 0
        assert api.call("POST", "/_sandbox/receipts/flush") == {"scheduled": 1}
        assert wait_until(lambda: r.count() == 1, 5)


def test_receipts_only_go_to_allowed_hosts(tmp_path):
    outside = scenario(tmp_path, "http://receipts.example.com/hook")
    with running_sandbox("--db", str(tmp_path / "a.db")) as sandbox:
        api = SandboxAPI(sandbox.url)
        with pytest.raises(SandboxError, match="neither loopback nor allowed"):
            api.call("PATCH", "/_sandbox/accounts/V00000001", {"receipt_url": "http://receipts.example.com/hook"})
        with pytest.raises(SandboxError, match="--receipt-host receipts.example.com"):
            api.use_scenario(open(outside).read())
        with pytest.raises(SandboxError, match="absolute http"):
            api.call("PATCH", "/_sandbox/accounts/V00000001", {"receipt_url": "ftp://x/y"})
        assert api.call("PATCH", "/_sandbox/accounts/V00000001",
                        {"receipt_url": "http://127.0.0.1:9/r"})["receipt_url"] == "http://127.0.0.1:9/r"
    import subprocess
    import sys
    refused = subprocess.run([sys.executable, "-m", "ihuyi_sandbox", "serve", "--port", "0", "--db",
                              str(tmp_path / "b.db"), "--scenario", outside], capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode == 2 and "neither loopback nor allowed" in refused.stderr
    with running_sandbox("--db", str(tmp_path / "c.db"), "--scenario", outside,
                       "--receipt-host", "receipts.example.com") as sandbox:
        assert SandboxAPI(sandbox.url).get_account()["receipt_url"] == "http://receipts.example.com/hook"


def test_no_receipt_url_no_receipt(tmp_path):
    with running_sandbox("--db", str(tmp_path / "s.db")) as sandbox:
        submit(sandbox)
        api = SandboxAPI(sandbox.url)
        assert api.receipts() == [] and api.messages()[0]["receipt"] == "none"


def test_the_default_scenarios_outcome_numbers_reach_the_receipt_and_the_inbox(tmp_path):
    with receiver(["success"]) as r, running_sandbox("--db", str(tmp_path / "s.db")) as sandbox:
        api = SandboxAPI(sandbox.url)
        api.call("PATCH", "/_sandbox/accounts/V00000001", {"receipt_url": r.url})
        expected = {"13900020002": ("2", "unanswered"), "13900020003": ("3", "busy"),
                    "13900020004": ("4", "powered_off"), "13900020005": ("5", "not_in_service"),
                    "13900020006": ("6", "rejected"), "13812345678": ("1", "answered")}
        for mobile in expected:
            submit(sandbox, mobile)
        assert {m["mobile"]: m["outcome"] for m in api.messages()} == {k: v[1] for k, v in expected.items()}
        api.flush_receipts()
        assert wait_until(lambda: r.count() == len(expected), 10)
        got = {form["mobilephone"]: (form["code"], parse_receipt(form).outcome) for _, form, _ in r.received}
        assert got == expected
        assert wait_until(lambda: {m["receipt"] for m in api.messages()} == {"sent"})


@pytest.mark.parametrize(("change", "reason"), [
    ({"code": "9"}, "unknown receipt code '9'"),
    ({"msg": "ok"}, "is not the one for code 1"),
    ({"voiceid": "0"}, "is not a voice id"),
    ({"report_time": "2026-11-26T01:00:00"}, "is not YYYY-MM-DD HH:MM:SS"),
    ({"extra": "1"}, "a receipt has the fields"),
])
def test_the_receipt_parser_refuses_what_the_service_never_sends(change, reason):
    from ihuyi_sandbox.errors import ReceiptError

    good = {"code": "1", "msg": "用户已接听", "mobilephone": "13812345678", "voiceid": "17956541800000000001",
            "report_time": "2026-11-26 09:00:00"}
    assert parse_receipt(good).answered
    assert parse_receipt(urllib.parse.urlencode(good).encode()).report_time.utcoffset().total_seconds() == 8 * 3600
    with pytest.raises(ReceiptError, match=reason):
        parse_receipt({**good, **change})
    with pytest.raises(ReceiptError):
        parse_receipt(b"\xff\xfe")


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(tmp_path):
    with receiver(["success"]) as elsewhere, receiver(["redirect"]) as r, running_sandbox(
            "--db", str(tmp_path / "s.db"), "--scenario", scenario(tmp_path, r.url, retry=0.3)) as sandbox:
        r.location = elsewhere.url
        submit(sandbox)
        api = SandboxAPI(sandbox.url)
        assert wait_until(lambda: api.receipts()[0]["status"] == "failed", 10), api.receipts()
        attempts = api.receipts()[0]["attempts"]
        assert [a["status"] for a in attempts] == [302, 302, 302] and r.count() == 3
        assert all(a["url"] == r.url for a in attempts)
        assert f"a redirect to {elsewhere.url!r} (not followed)" in attempts[0]["error"]
        assert elsewhere.count() == 0


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


def test_the_sandbox_itself_is_refused_as_a_receipt_target(tmp_path):
    port = free_port()
    with running_sandbox("--db", str(tmp_path / "a.db"), "--port", str(port)) as sandbox:
        api = SandboxAPI(sandbox.url)
        for url in (f"http://127.0.0.1:{port}/_sandbox/reset", f"http://localhost:{port}/_sandbox/reset",
                    f"http://[::1]:{port}/x"):
            with pytest.raises(SandboxError, match="the sandbox's own address"):
                api.call("PATCH", "/_sandbox/accounts/V00000001", {"receipt_url": url})
            with pytest.raises(SandboxError, match="the sandbox's own address"):
                api.call("POST", "/_sandbox/accounts", {"apiid": "V9", "apikey": "k", "receipt_url": url})
        with pytest.raises(SandboxError, match="the sandbox's own address"):
            api.use_scenario(open(scenario(tmp_path, f"http://127.0.0.1:{port}/_sandbox/reset")).read())
        with pytest.raises(SandboxError, match="its port is not a number"):
            api.call("PATCH", "/_sandbox/accounts/V00000001", {"receipt_url": "http://127.0.0.1:http/r"})
        other = f"http://127.0.0.1:{free_port()}/r"  # another port of loopback is still fine
        assert api.call("PATCH", "/_sandbox/accounts/V00000001", {"receipt_url": other})["receipt_url"] == other
    import subprocess
    import sys
    refused = subprocess.run([sys.executable, "-m", "ihuyi_sandbox", "serve", "--port", str(port), "--db",
                              str(tmp_path / "b.db"), "--scenario",
                              scenario(tmp_path, f"http://localhost:{port}/_sandbox/reset")],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "the sandbox's own address" in refused.stderr


def test_a_queued_receipt_to_the_sandbox_itself_is_refused_when_due(tmp_path):
    """A receipt queued for a URL that later became the sandbox's own (restarted on that port)."""
    db, port = str(tmp_path / "s.db"), free_port()
    path = scenario(tmp_path, "http://127.0.0.1:9/r", delay=600)
    with running_sandbox("--db", db, "--scenario", path) as sandbox:
        SandboxAPI(sandbox.url).call("PATCH", "/_sandbox/accounts/V00000001",
                                     {"receipt_url": f"http://127.0.0.1:{port}/_sandbox/reset"})
        submit(sandbox)
    with running_sandbox("--db", db, "--scenario", path, "--port", str(port)) as sandbox:
        api = SandboxAPI(sandbox.url)
        api.flush_receipts()
        assert wait_until(lambda: api.receipts()[0]["status"] == "failed", 15), api.receipts()
        assert all("the sandbox's own address" in a["error"] for a in api.receipts()[0]["attempts"])
        assert len(api.messages()) == 1  # not reset


def test_bound_to_every_interface_any_local_address_of_its_port_is_the_sandbox(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # picks the outgoing interface; sends nothing
        except OSError:
            pytest.skip("no network interface but loopback")
        address = probe.getsockname()[0]
    port = free_port()
    with running_sandbox("--db", str(tmp_path / "s.db"), "--host", "0.0.0.0", "--port", str(port),
                       "--admin-token", "t", "--allow-any-receipt-host"):
        api = SandboxAPI(f"http://127.0.0.1:{port}", admin_token="t")
        with pytest.raises(SandboxError, match="the sandbox's own address"):
            api.call("PATCH", "/_sandbox/accounts/V00000001", {"receipt_url": f"http://{address}:{port}/x"})
        allowed = f"http://{address}:{free_port()}/x"
        assert api.call("PATCH", "/_sandbox/accounts/V00000001", {"receipt_url": allowed})["receipt_url"] == allowed


@pytest.mark.parametrize("flag", [("--allow-any-receipt-host",), ("--receipt-host", "0.0.0.0"), ()])
def test_the_unspecified_address_and_v4_mapped_loopback_are_the_sandbox_too(tmp_path, flag):
    port = free_port()
    with running_sandbox("--db", str(tmp_path / "s.db"), "--port", str(port), *flag) as sandbox:
        api = SandboxAPI(sandbox.url)
        for host in ("0.0.0.0", "[::]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "localhost."):
            url = f"http://{host}:{port}/webservice/voice.php?method=Submit"
            with pytest.raises(SandboxError, match="the sandbox's own address"):
                api.call("PATCH", "/_sandbox/accounts/V00000001", {"receipt_url": url})
        mapped = f"http://[::ffff:127.0.0.1]:{free_port()}/r"  # loopback, so allowed on another port
        assert api.call("PATCH", "/_sandbox/accounts/V00000001", {"receipt_url": mapped})["receipt_url"] == mapped


def test_the_unspecified_address_elsewhere_is_refused_as_this_machine_not_as_a_host_to_allow(tmp_path):
    with running_sandbox("--db", str(tmp_path / "s.db")) as sandbox:
        with pytest.raises(SandboxError, match="this machine") as refused:
            SandboxAPI(sandbox.url).call("PATCH", "/_sandbox/accounts/V00000001",
                                         {"receipt_url": f"http://0.0.0.0:{free_port()}/r"})
        assert "--receipt-host" not in str(refused.value)


@contextmanager
def raw_receiver(answer: Callable[[socket.socket], None]) -> Iterator[str]:
    """A receiver that reads the POST's head and lets ``answer`` write whatever it likes."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                try:
                    answer(conn)
                except OSError:
                    pass

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/r"
    finally:
        server.close()


@pytest.mark.parametrize("reply", [
    b"HELLO THERE\r\n\r\n",
    b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(150)) + b"\r\nsuccess",
    b"HTTP/1.1 200 OK\r\nX-Big: " + b"y" * 70000 + b"\r\n\r\nsuccess",
], ids=["not-http", "too-many-headers", "a-header-too-long"])
def test_an_answer_that_is_not_http_is_a_failed_attempt_saying_so(tmp_path, reply):
    with raw_receiver(lambda conn: conn.sendall(reply)) as url, running_sandbox(
            "--db", str(tmp_path / "s.db"), "--scenario", scenario(tmp_path, url, retry=0.3)) as sandbox:
        submit(sandbox)
        api = SandboxAPI(sandbox.url)
        assert wait_until(lambda: api.receipts()[0]["status"] == "failed", 10), api.receipts()
        attempts = api.receipts()[0]["attempts"]
        assert len(attempts) == 3
        assert all("the receiver's answer is not HTTP" in a["error"] for a in attempts), attempts


def test_a_receiver_trickling_its_answer_times_out_within_the_timeout(tmp_path):
    def trickle(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for i in range(99):
            time.sleep(0.5)
            conn.sendall(b"X-%d: y\r\n" % i)

    with raw_receiver(trickle) as url, running_sandbox(
            "--db", str(tmp_path / "s.db"), "--scenario", scenario(tmp_path, url, retry=60, timeout=1.0)) as sandbox:
        submit(sandbox)
        api = SandboxAPI(sandbox.url)
        assert wait_until(lambda: api.receipts()[0]["attempts"], 5), api.receipts()
        (attempt,) = api.receipts()[0]["attempts"]
        assert "timed out" in attempt["error"] and api.receipts()[0]["status"] == "pending"
