"""What only the asyncio clients have to show, against a served sandbox: many calls on one event
loop, a hung call that holds no other task, no proxy taken from the environment, and a clear
answer where httpx is not installed. (Every code and fault: test_client.py, run with both.)"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading


from ihuyi_sandbox.client import AsyncSmsClient, AsyncVoiceClient
from ihuyi_sandbox.errors import BalanceExhaustedError, TransportError
from ihuyi_sandbox.service.records import DEMO_APIID, DEMO_APIKEY



def test_many_calls_share_one_event_loop(sandbox, api):
    client = AsyncVoiceClient(DEMO_APIID, DEMO_APIKEY, sandbox.url)
    mobiles = [f"138000000{n:02d}" for n in range(20)]

    async def send_all() -> list[object]:
        return await asyncio.gather(*(client.send_code(mobile, "1234") for mobile in mobiles),
                                    client.send_code("13900004051", "1234"), return_exceptions=True)

    *sent, exhausted = asyncio.run(send_all())
    assert all(result.code == 2 for result in sent)
    assert len({result.voiceid for result in sent}) == len(mobiles)
    assert isinstance(exhausted, BalanceExhaustedError) and exhausted.code == 4051
    assert {m["mobile"] for m in api.messages()} == set(mobiles)
    assert asyncio.run(client.balance()) == 1000 - len(mobiles)


def test_a_hung_call_holds_no_other_task(sandbox, api):
    client = AsyncSmsClient("C00000001", DEMO_APIKEY, sandbox.url, timeout=3)
    hung_voice = AsyncVoiceClient(DEMO_APIID, DEMO_APIKEY, sandbox.url, timeout=3)

    async def race() -> tuple[set[asyncio.Task], asyncio.Task, asyncio.Task]:
        hung = asyncio.create_task(hung_voice.send_code("13900011001", "1234"))  # silent for 20 s
        quick = asyncio.create_task(client.send_template("13812345678", 1, "4821"))
        done, _ = await asyncio.wait({hung, quick}, return_when=asyncio.FIRST_COMPLETED)
        await asyncio.wait({hung, quick})
        return done, hung, quick

    done, hung, quick = asyncio.run(race())
    assert done == {quick} and quick.result().code == 2
    error = hung.exception()
    assert isinstance(error, TransportError) and error.request_sent and "no answer within 3.0 s" in error.message


def test_the_environment_s_proxy_is_never_used(sandbox, monkeypatch):
    with socket.socket() as proxy:
        proxy.bind(("127.0.0.1", 0))
        proxy.listen()
        proxy.settimeout(0.2)
        for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "all_proxy", "ALL_PROXY"):
            monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.getsockname()[1]}")
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        connections: list[object] = []

        def count() -> None:
            try:
                connections.append(proxy.accept())
            except OSError:
                pass

        watcher = threading.Thread(target=count)
        watcher.start()
        client = AsyncVoiceClient(DEMO_APIID, DEMO_APIKEY, sandbox.url)
        assert asyncio.run(client.send_code("13812345678", "1234")).code == 2
        watcher.join()
    assert connections == []


def test_without_httpx_the_asyncio_client_names_the_extra_and_the_blocking_one_works(sandbox):
    program = f"""
import sys
sys.modules["httpx"] = None  # as if it were not installed
from ihuyi_sandbox.client import AsyncVoiceClient, VoiceClient
print(VoiceClient({DEMO_APIID!r}, {DEMO_APIKEY!r}, {sandbox.url!r}).balance() > 0)
try:
    AsyncVoiceClient({DEMO_APIID!r}, {DEMO_APIKEY!r}, {sandbox.url!r})
except ModuleNotFoundError as error:
    print(error)
"""
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "True", "the asyncio client needs httpx, which is not installed here; install it with: "
                "pip install 'ihuyi-sandbox[async]'"]
