"""WireMock standalone: finding (or installing) its jar, its stubs, and its start."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import urllib.request
from pathlib import Path

from .processes import Server, free_port
from .workloads import KINDS


def find_wiremock_jar(explicit: str | None, cache: Path, install: bool = True) -> Path | None:
    """The standalone jar: --wiremock-jar, $WIREMOCK_JAR, or the npm package ``wiremock`` (which
    ships it) under ``cache``, installed there with npm when missing (else None)."""
    for given in (explicit, os.environ.get("WIREMOCK_JAR")):
        if given:
            if not Path(given).is_file():
                raise SystemExit(f"no WireMock jar at {given}")
            return Path(given)

    def installed() -> Path | None:
        jars = sorted((cache / "node_modules" / "wiremock").glob("**/wiremock-standalone-*.jar"),
                      key=lambda p: [int(n) for n in re.findall(r"\d+", p.name)])
        return jars[-1] if jars else None

    jar = installed()
    if jar is None and install:
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("the WireMock jar is missing and npm is not installed to fetch it")
        print(f"installing WireMock: npm install --prefix {cache} wiremock@3", flush=True)
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--prefix", str(cache), "--no-audit", "--no-fund", "wiremock@3"], check=True)
        jar = installed()
        if jar is None:
            raise SystemExit(f"npm installed wiremock under {cache} but no wiremock-standalone-*.jar was found")
    return jar


def wiremock_stubs() -> list[dict[str, object]]:
    """One stub per kind of request: urlPath + the method query parameter, and a body pattern where
    the path alone cannot tell two kinds apart."""
    stubs = []
    for kind in KINDS:
        request: dict[str, object] = {"method": "POST", "urlPath": kind.endpoint,
                                      "queryParameters": {"method": {"equalTo": kind.method}}}
        if kind.stub_pattern:
            request["bodyPatterns"] = [kind.stub_pattern]
        stubs.append({"name": kind.name, "priority": kind.stub_priority, "request": request,
                      "response": {"status": 200, "headers": {"Content-Type": kind.content_type},
                                   "body": kind.stub_body}})
    return stubs


def start_wiremock(jar: Path, workdir: Path) -> Server:
    """``java -jar <jar> --port P --disable-banner``: its defaults, the request journal on."""
    port = free_port()
    server = Server("WireMock", ["java", "-jar", str(jar), "--port", str(port), "--disable-banner"],
                    workdir / "wiremock.log")
    server.url = f"http://127.0.0.1:{port}"
    server.wait_http(f"{server.url}/__admin/mappings", timeout=90)
    for stub in wiremock_stubs():
        post = urllib.request.Request(f"{server.url}/__admin/mappings", json.dumps(stub).encode(),
                                      {"Content-Type": "application/json"})
        with urllib.request.urlopen(post, timeout=10) as answer:
            if answer.status != 201:
                raise RuntimeError(f"WireMock refused the stub {stub['name']}: HTTP {answer.status}")
    return server
