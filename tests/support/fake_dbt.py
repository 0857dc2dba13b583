"""A stand-in for dbt's entry point, for the warm dbt server's tests (itip_pipeline/defs/dbt/warm.py): it says
what it was started with, as the fork of the server sees it, and exits with the status asked for."""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["wait"]:
        try:  # "waiting" inside the try: a Ctrl-C sent as soon as it is read may come before the sleep starts
            print("waiting", flush=True)
            # Short sleeps: Python runs a signal's handler between steps of its own code, so a signal that comes
            # just before a sleep begins is handled when that sleep ends.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                time.sleep(0.05)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(130)
    if args[:1] == ["imported"]:  # which of the modules named after it this process has imported
        print(json.dumps({name: name in sys.modules for name in args[1:]}), flush=True)
        sys.exit(0)
    said = {"argv": sys.argv, "cwd": os.getcwd(), "pid": os.getpid(), "variable": os.environ.get("FAKE_DBT_SAY")}
    print(json.dumps(said), flush=True)
    print("on standard error", file=sys.stderr, flush=True)
    sys.exit(int(args[0]) if args and args[0].isdigit() else 0)
