"""The pytest plugin, as an outside project uses it: only its fixtures, run by its own pytest."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1] / "plugin_project"
README = Path(__file__).resolve().parents[2] / "README.md"


def run_pytest(*args: str, autoload: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    env.pop("PYTEST_ADDOPTS", None)
    if not autoload:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("autoload", [True, False], ids=["entry-point", "explicit -p"])
def test_an_outside_project_passes_with_only_the_plugins_fixtures(autoload, tmp_path):
    args = ["--rootdir", str(PROJECT), f"--basetemp={tmp_path}"]
    if not autoload:
        args = ["-p", "ihuyi_sandbox.pytest_plugin", *args]
    result = run_pytest(*args, autoload=autoload)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout


def test_the_readme_example_is_the_project_the_suite_runs():
    readme = README.read_text(encoding="utf-8")
    example = re.search(r"<!-- plugin-example -->\n```python\n(.*?)```", readme, re.S)
    assert example, "the README's plugin example is missing"
    assert example.group(1) == (PROJECT / "test_signup.py").read_text(encoding="utf-8")


def test_two_projects_with_four_workers_each_share_one_sandbox_at_once(tmp_path):
    """With --ihuyi-sandbox-url each pytest-xdist worker takes a workspace of its own: two whole
    suites, each resetting and switching scenarios between its tests, pass side by side."""
    from ihuyi_sandbox.testing import SandboxAPI, running_sandbox

    projects = []
    for name in ("first", "second"):
        project = tmp_path / name
        project.mkdir()
        (project / "test_signup.py").write_text((PROJECT / "test_signup.py").read_text(encoding="utf-8"))
        projects.append(project)
    with running_sandbox("--db", str(tmp_path / "shared.db"), "--workers", "2") as sandbox:
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
        runs = [subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "4",
                                  "--rootdir", str(project), f"--basetemp={tmp_path / ('tmp-' + project.name)}",
                                  f"--ihuyi-sandbox-url={sandbox.url}"],
                                 cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                for project in projects]
        outputs = [run.communicate(timeout=300)[0] for run in runs]
        left = SandboxAPI(sandbox.url).workspaces()
    for run, output in zip(runs, outputs):
        assert run.returncode == 0, output
        assert "4 passed" in output
    assert left == [], "a session left its workspace behind"
