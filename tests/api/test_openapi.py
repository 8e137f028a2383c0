"""The OpenAPI description, fuzzed against the running server by schemathesis: no 500 and no
answer outside the description."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ihuyi_sandbox.testing import running_sandbox
from openapi_spec_validator import validate

CONFIG = Path(__file__).with_name("schemathesis.toml")


def test_the_description_is_served_and_names_every_surface(tmp_path):
    with running_sandbox("--db", str(tmp_path / "s.db")) as sandbox:
        spec = json.loads(sandbox.get("/_sandbox/openapi.json"))
        products = json.loads(sandbox.get("/_sandbox/products"))["products"]
    assert spec["openapi"].startswith("3.")
    assert {"/webservice/voice.php", "/_sandbox/messages", "/_sandbox/messages/latest", "/_sandbox/requests",
            "/_sandbox/accounts", "/_sandbox/scenario", "/_sandbox/reset", "/_sandbox/products", "/_sandbox/replies",
            "/_sandbox/templates", "/_sandbox/templates/{template_id}", "/_sandbox/receipts"} <= set(spec["paths"])
    for p in products:  # every product's paths, and each behind its selector
        assert {*p["paths"], *(p["selector"] + path for path in p["paths"])} <= set(spec["paths"])
    account = spec["components"]["schemas"]["Account"]["properties"]
    assert {"products", "reply_url", "limits"} <= set(account)
    assert set(account["limits"]["properties"]) == {"per_second", "per_day", "codes_per_day", "identical_per_minute",
                                                    "blacklist_after"}
    assert {"product", "text", "code"} <= set(spec["components"]["schemas"]["Message"]["properties"])
    assert "product" in {p["name"] for p in spec["paths"]["/_sandbox/messages"]["get"]["parameters"]}
    assert "kind" in {p["name"] for p in spec["paths"]["/_sandbox/receipts"]["get"]["parameters"]}


def test_the_description_is_valid_openapi(tmp_path):
    with running_sandbox("--db", str(tmp_path / "s.db")) as sandbox:
        validate(json.loads(sandbox.get("/_sandbox/openapi.json")))  # raises, naming what is invalid


def test_schemathesis_finds_nothing_against_the_running_server(tmp_path):
    st = Path(sys.executable).with_name("st")
    with running_sandbox("--db", str(tmp_path / "s.db"), "--workers", "2") as sandbox:
        # /messages/latest is left out: its `wait` (up to 60 s) would make the fuzzer sit out every
        # wait it generates; test_sandbox_api.py covers it, the long poll included.
        result = subprocess.run(
            [str(st), "--config-file", str(CONFIG), "run", f"{sandbox.url}/_sandbox/openapi.json",
             "--max-examples", "40", "--exclude-path", "/_sandbox/messages/latest", "--request-timeout", "10",
             "--generation-deterministic", "--no-color"],
            capture_output=True, text=True, timeout=600, cwd=tmp_path)
        server_output = sandbox.output()
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "Traceback" not in server_output, server_output[-3000:]
