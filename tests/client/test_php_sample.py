"""The provider's own PHP sample (seed page), run by php-cli with only its URL and credentials
changed. Its regex cannot match a root element that carries an attribute, so against the real
(namespaced) answer it prints nothing; without the namespace it prints 提交成功."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from tests.support import scenario_text

from ihuyi_sandbox.service.records import DEMO_APIID, DEMO_APIKEY
from ihuyi_sandbox.testing import running_sandbox

SEED_PAGE = Path(__file__).resolve().parents[1] / "data" / "ihuyi-voice-api.txt"
php = shutil.which("php")
pytestmark = pytest.mark.skipif(php is None and not __import__("os").environ.get("CI"),
                                reason="php-cli is not installed (CI installs it)")


def sample_script(url: str) -> str:
    page = SEED_PAGE.read_text(encoding="utf-8")
    start = page.index("//接口类型")
    end = page.index("echo '提交成功';\n}", start) + len("echo '提交成功';\n}")
    script = "<?php\n" + page[start:end] + "\n"
    return (script.replace("http://api.voice.ihuyi.com", url)
            .replace("account=用户名&password=密码", f"account={DEMO_APIID}&password={DEMO_APIKEY}")
            .replace("136xxxxxxxx", "13612345678"))


def run_sample(namespace: str, tmp_path: Path) -> str:
    scenario = tmp_path / "namespace.toml"
    scenario.write_text(scenario_text(settings=f"namespace = {namespace!r}\n"), encoding="utf-8")
    with running_sandbox("--scenario", str(scenario), "--db", str(tmp_path / "sandbox.db")) as sandbox:
        script = tmp_path / "sample.php"
        script.write_text(sample_script(sandbox.url), encoding="utf-8")
        result = subprocess.run([php or "php", str(script)], capture_output=True, text=True, timeout=30)
    return result.stdout


def test_php_sample_prints_nothing_against_the_real_namespaced_answer(tmp_path):
    assert run_sample("http://106.ihuyi.com/", tmp_path) == ""


def test_php_sample_prints_success_without_the_namespace(tmp_path):
    assert run_sample("", tmp_path) == "提交成功"
