"""The Dockerfile, read with dockerfile-parse, and its steps replayed outside a container (Docker
cannot run on this project's machines): the build stage's COPY and RUN steps in a folder standing
for the stage's root, the image's install into a fresh virtual environment. What
tests/test_image.py and tests/test_install.py run."""

from __future__ import annotations

import fnmatch
import json
import os
import shlex
import shutil
import subprocess
import sys
import venv
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parent.parent
#: a wheel build fetches setuptools and the server's wheels: generous, but never endless
STEP_TIMEOUT = 600


@dataclass
class Stage:
    """One ``FROM`` of the Dockerfile and its instructions, each ``(INSTRUCTION, value)``."""

    name: str
    base: str
    steps: list[tuple[str, str]] = field(default_factory=list)

    def values(self, instruction: str) -> list[str]:
        return [value for name, value in self.steps if name == instruction]


def stages(path: Path = ROOT / "Dockerfile") -> list[Stage]:
    parser = DockerfileParser(path=str(path))
    found: list[Stage] = []
    for entry in parser.structure:
        instruction, value = entry["instruction"], entry["value"]
        if instruction == "COMMENT" or (instruction == "ARG" and not found):  # an ARG before FROM is for FROM
            continue
        if instruction == "FROM":
            base, _, name = value.partition(" AS ")
            found.append(Stage(name.strip() or str(len(found)), base.strip()))
        else:
            found[-1].steps.append((instruction, value))
    return found


def ignored(relative: PurePosixPath, patterns: list[str]) -> bool:
    """Whether the build context leaves ``relative`` out (.dockerignore's patterns; ``**/`` for
    any depth)."""
    text = relative.as_posix()
    for pattern in patterns:
        if fnmatch.fnmatchcase(text, pattern) or (
                pattern.startswith("**/") and fnmatch.fnmatchcase(relative.name, pattern[3:])):
            return True
    return False


def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _copy(sources: list[str], destination: Path) -> None:
    patterns = dockerignore()
    for source in sources:
        origin = ROOT / source
        if not origin.exists() or ignored(PurePosixPath(source), patterns):
            raise FileNotFoundError(f"COPY {source}: not in the build context")
        if origin.is_dir():
            def skip(folder: str, names: list[str]) -> list[str]:
                relative = PurePosixPath(Path(folder).relative_to(ROOT).as_posix())
                return [name for name in names if ignored(relative / name, patterns)]
            shutil.copytree(origin, destination, ignore=skip)
        else:
            target = destination / origin.name if destination.is_dir() else destination
            shutil.copy2(origin, target)


def replay_build(stage: Stage, root: Path) -> Path:
    """Run ``stage``'s WORKDIR, COPY and RUN steps with ``root`` standing for ``/``, this
    interpreter's ``pip`` first on the ``PATH``; the folder standing for ``/``."""
    workdir = root
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for instruction, value in stage.steps:
        if instruction == "WORKDIR":
            workdir = root / value.lstrip("/")
            workdir.mkdir(parents=True, exist_ok=True)
        elif instruction == "COPY":
            *sources, destination = shlex.split(value)
            target = workdir / destination
            if destination.endswith("/"):
                target.mkdir(parents=True, exist_ok=True)
            _copy(sources, target)
        elif instruction == "RUN":
            subprocess.run(["/bin/sh", "-c", value], cwd=workdir, env=environment, check=True,
                           timeout=STEP_TIMEOUT)
        else:
            raise AssertionError(f"the build stage's {instruction} has no replay here")
    return root


def fresh_venv(where: Path) -> Path:
    """A virtual environment with nothing installed, not even pip (this interpreter's pip installs
    into it with ``--python``); its python."""
    venv.EnvBuilder(with_pip=False).create(where)
    return where / "bin" / "python"


def pip(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """This interpreter's pip acting on the environment of ``python``."""
    return subprocess.run([sys.executable, "-m", "pip", "--python", str(python), *args], capture_output=True,
                          text=True, check=True, timeout=STEP_TIMEOUT)


def distributions(python: Path) -> set[str]:
    """The names of the distributions installed in the environment of ``python``, normalised."""
    program = ("import importlib.metadata as m, re; "
               "print('\\n'.join(sorted({re.sub(r'[-_.]+', '-', d.metadata['Name']).lower() for d in m.distributions()})))")
    listed = subprocess.run([str(python), "-I", "-c", program], capture_output=True, text=True, check=True,
                            timeout=60).stdout
    return set(listed.split())


def mounts(run: str) -> dict[str, str]:
    """The ``--mount=type=bind,...`` of a RUN step: ``{target: source}``."""
    found = {}
    for word in shlex.split(run):
        if not word.startswith("--mount="):
            break
        options = dict(option.split("=", 1) for option in word.removeprefix("--mount=").split(","))
        found[options["target"]] = options["source"]
    return found


def built_wheels(root: Path) -> Path:
    """Where the image takes its wheels from, in the replayed build stage under ``root``."""
    image = stages()[-1]
    (source,) = [source for run in image.values("RUN") for source in mounts(run).values()]
    return root / source.lstrip("/")


def healthcheck() -> tuple[dict[str, str], list[str]]:
    """The HEALTHCHECK's options and its command (exec form)."""
    (value,) = stages()[-1].values("HEALTHCHECK")
    options, _, command = value.partition(" CMD ")
    return dict(word.removeprefix("--").split("=", 1) for word in shlex.split(options)), json.loads(command)
