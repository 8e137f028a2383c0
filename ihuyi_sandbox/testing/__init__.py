"""Test support: running a sandbox from tests (a served process, or the same request path driven
in process), and driving its ``/_sandbox/`` API; what the pytest plugin's fixtures and this
project's own suite are made of, usable without pytest too. It may import anything of the
package; nothing of the package imports it.

``SandboxAPI`` and ``SandboxProcess`` use the standard library only, so a test suite can use them
against a sandbox in another process or container (``SandboxAPI(url)``).
"""

from .._exceptions import SandboxError
from .api import SandboxAPI, wait_until
from .process import SandboxProcess, running_sandbox, start_sandbox

__all__ = ["SandboxAPI", "SandboxError", "SandboxProcess", "running_sandbox", "start_sandbox", "wait_until"]
