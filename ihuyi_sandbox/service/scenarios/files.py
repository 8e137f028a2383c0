"""Finding and reading scenario files: the shipped ones, the operator's directory, any path.

Every read goes through :func:`read_file`, whoever asks: the API, the CLI, ``serve`` and hot reload.
"""

from __future__ import annotations

import os
import stat
from importlib import resources
from pathlib import Path

from ..._exceptions import ScenarioError
from .checker import parse
from .rules import MAX_FILE_BYTES, Scenario


def shipped_dir() -> Path:
    """The scenarios shipped with the package: the repository's top-level ``scenarios/`` in a
    checkout (editable installs included), else the copy a wheel installs as package data."""
    checkout = Path(__file__).resolve().parents[3] / "scenarios"
    if (checkout / "default.toml").is_file():
        return checkout
    return Path(str(resources.files("ihuyi_sandbox.scenarios").joinpath("default.toml"))).parent


def scenario_names() -> list[str]:
    return sorted(p.stem for p in shipped_dir().glob("*.toml"))


def resolve(name_or_path: str) -> Path:
    """A shipped scenario's name (``default``), or the path of a TOML file."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists() or "/" in name_or_path:
        return path
    shipped = shipped_dir() / f"{name_or_path}.toml"
    if not shipped.exists():
        raise ScenarioError([f"{name_or_path}: no such scenario; shipped ones are: {', '.join(scenario_names())}"])
    return shipped


def load_file(name_or_path: str) -> Scenario:
    """The scenario the operator names: a shipped one's name, or any file's path."""
    path = resolve(name_or_path)
    return parse(read_file(path), str(path))


def read_file(path: str | Path) -> str:
    """A scenario file's text. Every scenario read goes through here: a FIFO must not block the
    reader (``O_NONBLOCK``), a device must not be read, a huge file must not be read whole."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except (OSError, ValueError) as exc:
        raise ScenarioError([f"{path}:1: cannot read: {getattr(exc, 'strerror', None) or exc}"]) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ScenarioError([f"{path}:1: not a regular file"])
        with open(fd, "rb", closefd=False) as file:
            data = file.read(MAX_FILE_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError([f"{path}:1: larger than {MAX_FILE_BYTES // 1024} KiB, the most a scenario may be"])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError([f"{path}:1: not UTF-8 text: {exc}"]) from None


def runtime_path(name: str, directory: str | None) -> Path:
    """What ``PUT /_sandbox/scenario {"name": ...}`` may load: a shipped scenario, or a regular
    ``.toml`` file inside ``directory`` (the operator's ``--scenarios-dir``), by its path relative
    to it. Anything else is refused before it is opened, with one message whatever the file
    system holds, so that the API tells nothing about the files the server can see."""
    if name in scenario_names():
        return shipped_dir() / f"{name}.toml"
    if directory and "\0" not in name and not name.startswith("/") and ".." not in Path(name).parts:
        root = os.path.realpath(directory)
        real = os.path.realpath(os.path.join(root, name if name.endswith(".toml") else f"{name}.toml"))
        try:
            regular = os.path.commonpath([root, real]) == root and stat.S_ISREG(os.stat(real).st_mode)
        except (OSError, ValueError):
            regular = False
        if regular:
            return Path(real)
    where = ("the .toml files in the directory given with --scenarios-dir (by path relative to it)" if directory
             else "no files: the server was started without --scenarios-dir")
    raise ScenarioError([f"no such scenario: this server loads the shipped scenarios "
                         f"({', '.join(scenario_names())}) and {where}"])


def directory_names(directory: str | None) -> list[str]:
    """The scenarios in the operator's directory that :func:`runtime_path` loads, by name."""
    if not directory:
        return []
    names = (str(p.relative_to(directory).with_suffix("")) for p in sorted(Path(directory).glob("*.toml")))
    return [n for n in names if n not in scenario_names() and _loadable(n, directory)]


def _loadable(name: str, directory: str) -> bool:
    try:
        runtime_path(name, directory)
    except ScenarioError:
        return False
    return True


