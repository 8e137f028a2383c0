"""The Dockerfile, proven without Docker (which cannot run here): read with dockerfile-parse, its
build stage replayed once a session (the ``wheelhouse`` fixture, tests/image.py), the image's
install replayed into a fresh virtual environment, then its ENTRYPOINT run with the image's ENV
and ``docker run`` options, as PID 1 of its own PID namespace where this machine allows it, its
HEALTHCHECK command asked, and ``docker stop``'s SIGTERM sent."""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import tomllib
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

from ihuyi_sandbox._banner import BANNER_END
from tests.support import DEMO, VOICE
from tests.image import ROOT, STEP_TIMEOUT, distributions, dockerignore, fresh_venv, healthcheck, mounts, stages

#: docker stop's default grace period, after which it kills
GRACE_SECONDS = 10


@pytest.fixture(scope="module")
def dockerfile() -> DockerfileParser:
    return DockerfileParser(path=str(ROOT / "Dockerfile"))


def final_run(instruction: str) -> list[str]:
    """The final stage's ``instruction`` in exec form (a JSON array)."""
    (value,) = stages()[-1].values(instruction)
    return json.loads(value)


# -- the recipe as written ------------------------------------------------------------------------
def test_two_stages_the_second_installs_only_the_first_s_wheels():
    build, image = stages()
    assert build.name == "build" and image.values("COPY") == []
    (install,) = [run for run in image.values("RUN") if mounts(run)]
    assert [source for source in mounts(install).values()] == ["/src/wheels"]
    assert "--no-index" in shlex.split(install) and "ihuyi-sandbox[server,postgres]" in shlex.split(install)


def test_the_context_leaves_out_the_developer_s_tree():
    patterns = dockerignore()
    assert {".git", ".venv", "**/__pycache__"} <= set(patterns)


def test_oci_labels_say_what_the_image_is(dockerfile):
    labels = dockerfile.labels
    license = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["license"]["text"]
    assert labels["org.opencontainers.image.title"] == "ihuyi-sandbox"
    assert labels["org.opencontainers.image.licenses"] == license
    assert labels["org.opencontainers.image.description"]


def test_the_database_is_on_a_volume_its_user_owns(dockerfile):
    image = stages()[-1]
    (user,) = image.values("USER")
    (volume,) = json.loads(image.values("VOLUME")[0])
    assert user not in ("root", "0")
    assert Path(dockerfile.envs["IHUYI_SANDBOX_DB"]).parent == Path(volume)
    (setup,) = [run for run in image.values("RUN") if "useradd" in run]
    assert f"useradd --create-home --uid 10001 {user}" in setup and f"chown {user}:{user} {volume}" in setup


def test_serve_is_the_entrypoint_in_exec_form_so_options_and_signals_reach_it():
    assert final_run("ENTRYPOINT") == ["ihuyi-sandbox", "serve"]
    assert stages()[-1].values("CMD") == []
    options, command = healthcheck()
    assert command == ["ihuyi-sandbox", "health"]


# -- the recipe replayed --------------------------------------------------------------------------
@dataclass
class Image:
    """The image replayed: its root (standing for ``/``), its environment's python, its ENV with
    paths under the root."""

    root: Path
    python: Path
    env: dict[str, str]

    def run(self, command: list[str], **options: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, env=self.env, capture_output=True, text=True, **options)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def image(wheelhouse: Path, dockerfile: DockerfileParser, tmp_path_factory: pytest.TempPathFactory) -> Image:
    root = tmp_path_factory.mktemp("image-root")
    python = fresh_venv(root / "venv")
    (install,) = [run for run in stages()[-1].values("RUN") if mounts(run)]
    words = [word for word in shlex.split(install) if not word.startswith("--mount=")]
    targets = {target: str(wheelhouse) for target in mounts(install)}
    assert words[0] == "pip"
    command = [sys.executable, "-m", "pip", "--python", str(python), *(targets.get(w, w) for w in words[1:])]
    subprocess.run(command, check=True, capture_output=True, timeout=STEP_TIMEOUT)
    env = {}
    for name, value in dockerfile.envs.items():
        env[name] = str(root / value.lstrip("/")) if value.startswith("/") else value
        if value.startswith("/"):
            Path(env[name]).parent.mkdir(parents=True, exist_ok=True)
    with socket.socket() as dead:  # a proxy nobody answers: whatever goes through it fails
        dead.bind(("127.0.0.1", 0))
        proxy = f"http://127.0.0.1:{dead.getsockname()[1]}"
    env.update({"PATH": f"{python.parent}:/usr/bin:/bin", "HOME": str(root),
                **{name: proxy for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy")}})
    return Image(root, python, env)


def test_the_image_holds_the_package_the_server_and_the_postgresql_driver_and_nothing_else(image, wheelhouse):
    built = {path.name.split("-")[0].replace("_", "-").lower() for path in wheelhouse.glob("*.whl")}
    assert distributions(image.python) == built
    assert {"ihuyi-sandbox", "flask", "granian", "google-re2", "psycopg", "psycopg-binary", "psycopg-pool"} <= built


class Started:
    """The ENTRYPOINT started as ``docker run IMAGE ARGS`` would: PID 1 of its own PID namespace
    where ``unshare`` may make one (root), else an ordinary process."""

    def __init__(self, image: Image, args: list[str]) -> None:
        entry = [*final_run("ENTRYPOINT"), *args]
        self.namespaced = subprocess.run(["unshare", "--pid", "--fork", "true"], capture_output=True).returncode == 0
        # --kill-child: the namespace's PID 1 (and with it all in the namespace) goes with unshare,
        # so a test that ends without docker stop leaves no server behind
        argv = ["unshare", "--pid", "--fork", "--kill-child", *entry] if self.namespaced else entry
        self.process = subprocess.Popen(argv, env=image.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True)
        self.lines: list[str] = []
        self.up = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if line.rstrip("\n") == BANNER_END:
                self.up.set()
        self.up.set()

    def pid_one(self) -> int:
        """The host's pid of what runs as PID 1 (the entrypoint)."""
        if not self.namespaced:
            return self.process.pid
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return int(children[0])

    def stop(self) -> int:
        """``docker stop``: SIGTERM to PID 1, SIGKILL after the grace period."""
        os.kill(self.pid_one(), signal.SIGTERM)
        try:
            return self.process.wait(timeout=GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"not stopped within {GRACE_SECONDS} s:\n{''.join(self.lines)}") from None


@pytest.fixture
def started(image: Image) -> Iterator[Started]:
    """``docker run IMAGE --scenario flaky-network --port 0``: the options go on to serve, and the port
    given (any free one) is not the 8080 of the image's ENV."""
    run = Started(image, ["--scenario", "flaky-network", "--port", "0"])
    try:
        assert run.up.wait(60) and f"{BANNER_END}\n" in run.lines, "".join(run.lines)
        yield run
    finally:
        if run.process.poll() is None:
            if run.namespaced:
                os.kill(run.pid_one(), signal.SIGKILL)  # PID 1 of the namespace: everything in it ends
            run.process.kill()
            run.process.wait()


def test_the_entrypoint_serves_with_the_image_s_env_and_the_run_s_options(image, started):
    banner = "".join(started.lines)
    url = Path(image.env["IHUYI_SANDBOX_URL_FILE"]).read_text(encoding="utf-8").strip()
    assert f"listening on {url}" in banner and url.startswith("http://0.0.0.0:")
    assert not url.endswith(":8080")
    assert "scenario      flaky-network:" in banner
    assert f"database      {image.env['IHUYI_SANDBOX_DB']}" in banner
    assert Path(image.env["IHUYI_SANDBOX_DB"]).is_file()


def test_the_healthcheck_finds_the_port_given_past_the_proxy_and_docker_stop_ends_it(image, started):
    options, command = healthcheck()
    healthy = image.run(command, timeout=60)
    assert healthy.returncode == 0, healthy.stderr
    url = Path(image.env["IHUYI_SANDBOX_URL_FILE"]).read_text(encoding="utf-8").strip()
    assert healthy.stdout.strip() == f"healthy: {url.replace('0.0.0.0', '127.0.0.1')}/_sandbox/health"
    assert started.stop() == 0
    stopped = image.run(command, timeout=60)
    assert stopped.returncode == 1 and stopped.stderr.startswith("unhealthy: ")


def test_the_image_serves_on_a_postgresql_database(image, postgres_server):
    """``docker run IMAGE --db postgresql://...``: several containers, one database."""
    psycopg = pytest.importorskip("psycopg")  # the [postgres] extra, which the README's test command installs
    database = postgres_server.database(f"image_{uuid.uuid4().hex[:12]}")
    run = Started(image, ["--db", database, "--port", "0"])
    try:
        assert run.up.wait(60) and f"{BANNER_END}\n" in run.lines, "".join(run.lines)
        assert "database      postgresql://" in "".join(run.lines)
        url = Path(image.env["IHUYI_SANDBOX_URL_FILE"]).read_text(encoding="utf-8").strip()
        form = urllib.parse.urlencode({**DEMO, "mobile": "13812345678", "content": "482913"}).encode()
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with direct.open(f"{url.replace('0.0.0.0', '127.0.0.1')}{VOICE}?method=Submit", form, timeout=30) as answer:
            assert b"<code>2</code>" in answer.read()
        assert run.stop() == 0
    finally:
        if run.process.poll() is None:
            run.process.kill()
            run.process.wait()
    with psycopg.connect(database) as db:
        assert db.execute("SELECT count(*) FROM deliveries").fetchone() == (1,)
