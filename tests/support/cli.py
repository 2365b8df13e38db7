"""The command line as a user runs it: ``python -m bot`` in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot`` with only the given environment (plus PATH)."""
    full_env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=full_env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def env_for(tmp_path: Path) -> dict[str, str]:
    """Point the CLI at tmp_path/cli.db: empty, so the first command loads the bundled data.

    No test reaches the real MusicBrainz: the online test below points it at a stand-in.
    """
    return {
        "DATABASE_PATH": str(tmp_path / "cli.db"),
        "LOG_LEVEL": "WARNING",
        "ONLINE_LOOKUPS": "false",
    }
