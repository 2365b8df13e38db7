"""The command line as a user runs it: ``main`` in this process.

``run_cli_in_process`` calls the CLI's ``main`` with the given arguments, environment and
folder and captures what a child process would show (exit code, stdout, stderr), without the
child's start (about half a second of CPU for the interpreter and the bot's imports). Tests
start ``python -m bot`` themselves only for what only a process shows: a terminal (progress
bars), a closed pipe (exit 141), signals, the ``python -m bot`` entry itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_cli_in_process(
    *args: str, env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """Run the CLI's ``main(args)`` here, as ``python -m bot`` would run it in a child process.

    The process environment is only ``env`` (plus PATH) and the working folder ``cwd`` while it
    runs; stdout and stderr are captured (neither is a terminal, as a piped child's); the
    exit code is what ``main`` returns or the code of the ``SystemExit`` it raises (argparse's
    2). Everything it changes in this process is put back: the environment, the folder and the
    logging set-up (the CLI configures logging for its own run). One command at a time: the
    environment and the folder belong to the whole process.
    """
    from bot.app.cli import main

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass  # no loop here: the CLI runs its own, as in a process of its own
    else:
        raise AssertionError("call run_cli_in_process through asyncio.to_thread in async tests")
    stdout, stderr = io.StringIO(), io.StringIO()
    with (
        _only_environment(env),
        _in_folder(cwd),
        _logging_restored(),
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
    ):
        try:
            code = main(list(args))
        except SystemExit as exited:
            code = _exit_code(exited.code)
    return subprocess.CompletedProcess(
        ["linernotes", *args], code, stdout.getvalue(), stderr.getvalue()
    )


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")  # sys.exit("message") prints it and exits 1
    return 1


@contextlib.contextmanager
def _only_environment(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update({"PATH": saved.get("PATH", ""), **env})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _in_folder(folder: Path) -> Iterator[None]:
    saved = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(saved)


@contextlib.contextmanager
def _logging_restored() -> Iterator[None]:
    """Put back what the CLI's logging set-up (bot/app/logsetup.py) changes: the root logger's
    handlers and level, and discord.py's loggers' levels and filters."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    loggers = [logging.getLogger(name) for name in ("discord", "discord.client", "discord.shard")]
    saved = [(logger, logger.level, list(logger.filters)) for logger in loggers]
    try:
        yield
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        for handler in handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(level)
        for logger, logger_level, filters in saved:
            logger.setLevel(logger_level)
            logger.filters[:] = filters


def env_for(tmp_path: Path) -> dict[str, str]:
    """Point the CLI at tmp_path/cli.db: empty, so the first command loads the bundled data.

    No test reaches the real MusicBrainz: the online test below points it at a stand-in.
    """
    return {
        "DATABASE_PATH": str(tmp_path / "cli.db"),
        "LOG_LEVEL": "WARNING",
        "ONLINE_LOOKUPS": "false",
    }
