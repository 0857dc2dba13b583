"""Servers a test starts on this machine: a free port for them, and a Dagster webserver spoken to by GraphQL."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(process: subprocess.Popen, grace_s: float = 10) -> None:
    """Ended and waited for: asked to stop (SIGTERM), killed if it has not within the grace time. A server a test
    started must not outlive it, whatever the signals the test process was started with let through."""
    process.terminate()
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def graphql(base: str, query: str, variables: dict | None = None) -> dict:
    """The answer's data; a GraphQL error fails the test with the answer."""
    request = urllib.request.Request(
        f"{base}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.load(response)
    assert "errors" not in answer, answer
    return answer["data"]


def wait_for_code_location(base: str, process: subprocess.Popen, timeout_s: float = 180) -> None:
    """Until the webserver has loaded every code location; fails on a load error, an exited process or the time."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            status = graphql(
                base,
                "{ workspaceOrError { ... on Workspace { locationEntries { loadStatus "
                "locationOrLoadError { __typename ... on PythonError { message } } } } } }",
            )
            entries = status["workspaceOrError"]["locationEntries"]
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                errors = [
                    e["locationOrLoadError"].get("message")
                    for e in entries
                    if e["locationOrLoadError"]["__typename"] == "PythonError"
                ]
                assert not errors, f"the code location failed to load: {errors}"
                return
        except OSError:
            pass
        assert process.poll() is None, "the webserver's process exited"
        assert time.monotonic() < deadline, f"the webserver did not load the code location in {timeout_s:.0f} s"
        time.sleep(1)
