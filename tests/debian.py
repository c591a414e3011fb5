"""Tools the tests need that are Debian packages, not Python ones (Chromium, docker-compose):
one way to find them or install them with apt-get on first use.

Downloads from anywhere but PyPI, Debian and npm are unreachable here, so the Debian package is
the only source; tests run as root and install it. Elsewhere the test fails with one line saying
which package to install.
"""

from __future__ import annotations

import os
import shutil
import subprocess


def debian_tool(package: str, *executables: str) -> str:
    """Path of the first of `executables` (default: `package`) found, installing `package` if none is."""
    names = executables or (package,)
    found = next((path for path in map(shutil.which, names) if path), None)
    if found:
        return found
    if os.geteuid() != 0:
        raise RuntimeError(f"{names[0]} is missing: run `sudo apt-get install -y {package}`")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, timeout=600)
    result = subprocess.run(
        ["apt-get", "install", "-y", "-qq", package],
        capture_output=True,
        text=True,
        env=env,
        timeout=1200,
    )
    found = next((path for path in map(shutil.which, names) if path), None)
    if not found:
        raise RuntimeError(f"apt-get install {package} failed: {result.stderr.strip()[-300:]}")
    return found
