"""Scenarios: the starting state, the settings and the rules that force codes and faults; read
from TOML (``files``), checked whole (``checker``), and matched against each call (``matching``).
No I/O but reading scenario files."""

from ..._exceptions import ScenarioError
from .checker import parse, too_deep, url_problem
from .files import directory_names, load_file, read_file, resolve, runtime_path, scenario_names, shipped_dir
from .rules import MAX_FILE_BYTES, MAX_NESTING, Limit, Rule, Scenario

__all__ = ["MAX_FILE_BYTES", "MAX_NESTING", "Limit", "Rule", "Scenario", "ScenarioError", "directory_names",
           "load_file", "parse", "read_file", "resolve", "runtime_path", "scenario_names", "shipped_dir", "too_deep",
           "url_problem"]
