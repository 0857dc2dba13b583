"""A dbt imported ahead of the build: a server process that imports dbt-core and the DuckDB adapter while
Dagster starts, then runs each dbt command it is handed in a fork of itself.

Importing dbt-core and the adapter costs a fresh `dbt` process seconds of CPU before it reads the project. `itip
run` starts `serve` as it starts (`warm_dbt`), so that import runs on the second core while the run imports
Dagster and the definitions. dagster-dbt still starts its own process per command (the executable `dbt_warm` in
this folder, which runs `client` here): its output, exit status and signals are what a plain `dbt` process's would
be, so the events and lineage in Dagster are unchanged. The client hands the server its standard streams, command
line, working folder and environment; the server forks, the fork takes them over and runs dbt's own entry point,
and the client exits with the fork's exit status. With no server (a run started from the UI, or the server gone),
the client becomes the plain `dbt` beside this interpreter.

Standard library only at module level: the client must start in milliseconds.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path

# Where the client finds the server, and which interpreter `dbt_warm` starts the client with.
SOCKET_ENV = "ITIP_DBT_WARM_SOCKET"
PYTHON_ENV = "ITIP_DBT_PYTHON"
CLIENT_EXECUTABLE = str(Path(__file__).with_name("dbt_warm"))
# What a `dbt build` imports, so the fork starts with all of it (found by listing the modules a build adds).
PREIMPORTED = (
    "dbt.cli.main",
    "dbt.adapters.duckdb",
    "dbt.adapters.duckdb.impl",
    "dbt.adapters.duckdb.__version__",
    "dbt.task.build",
    "dbt.parser.manifest",
    "dbt.parser.schema_yaml_readers",
    "google.protobuf.descriptor_pb2",
    "multiprocessing.resource_tracker",
    "_strptime",
)
# What the Python model (int_disclosure_control) imports: imported by the server when no client waits, so the
# model's seconds of imports are not on the build's critical path.
PYTHON_MODEL_IMPORTS = (
    "numpy",
    "pandas",
    "scipy",
    "scipy.optimize._highspy",
    "scipy.sparse",
    "scipy.stats",
)
# dbt checks the project's configuration files, and each node's configuration, against JSON schemas it builds
# from these classes the first time a process needs them, seconds of CPU for a full parse and most of a second
# before a build's first node. Built by the server while no client waits, a fork finds them built (a class that
# a later dbt renames is skipped, and dbt builds its schema itself). Listed from the classes a `dbt parse` and a
# `dbt build` of this project validate.
PREBUILT_SCHEMAS = tuple(
    f"dbt.{path}"
    for path in (
        "adapters.duckdb.credentials:DuckDBCredentials",
        "contracts.project:Project",
        "contracts.project:ProjectFlags",
        "contracts.project:ProfileConfig",
        "contracts.project:PackageConfig",
        "contracts.project:Configuration",
        "contracts.selection:SelectorFile",
        "contracts.graph.nodes:ModelNode",
        "contracts.graph.nodes:SeedNode",
        "contracts.graph.nodes:GenericTestNode",
        "contracts.graph.nodes:SingularTestNode",
        "contracts.graph.nodes:HookNode",
        "contracts.graph.unparsed:UnparsedModelUpdate",
        "contracts.graph.unparsed:UnparsedNodeUpdate",
        "contracts.graph.unparsed:UnparsedMacroUpdate",
        "contracts.graph.unparsed:UnparsedSourceDefinition",
        "contracts.graph.unparsed:UnparsedExposure",
        "artifacts.resources.v1.config:NodeConfig",
        "artifacts.resources.v1.config:TestConfig",
        "artifacts.resources.v1.config:Hook",
        "artifacts.resources.v1.model:ModelConfig",
        "artifacts.resources.v1.seed:SeedConfig",
        "artifacts.resources.v1.source_definition:SourceConfig",
        "artifacts.resources.v1.exposure:ExposureConfig",
        "artifacts.resources.v1.components:Contract",
        "task.test:TestResultData",
    )
)
DBT_ENTRY = "dbt.cli.main:cli"
# The plain dbt, as the `dbt` script beside this interpreter runs it, prepared as dbt_process.py says.
PLAIN_DBT = (
    "import sys\n"
    "from itip_pipeline.defs.dbt.dbt_process import prepare\n"
    "prepare()\n"
    "sys.argv[0] = 'dbt'\n"
    "from dbt.cli.main import cli\n"
    "sys.exit(cli())\n"
)
_LENGTH = struct.Struct("!I")


@contextmanager
def warm_dbt(
    env: dict[str, str],
    entry: str = DBT_ENTRY,
    idle_imports: tuple[str, ...] = PYTHON_MODEL_IMPORTS,
    saved_parse: Path | None = None,
) -> Iterator[None]:
    """A dbt server started with environment `env` for the duration of the block; dbt commands started in it
    (through `dbt_warm`) are forks of the server. The server ends when this process closes its end of the
    server's standard input (when this process dies) or at the block's end. `entry`, `idle_imports` and
    `saved_parse` are serve's."""
    folder = tempfile.mkdtemp(prefix="itip-dbt-")
    address = os.path.join(folder, "dbt.sock")
    # Listening before the server starts: a client that connects at once waits in the queue, it is not refused.
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(8)
    with listener:
        server = subprocess.Popen(
            # Not `-m`: dbt names itself after the main module's package when it has one ("python -m …"), not `dbt`.
            [
                sys.executable,
                "-c",
                f"from {__name__} import serve; "
                f"serve({listener.fileno()}, {entry!r}, {idle_imports!r}, {saved_parse and str(saved_parse)!r})",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            pass_fds=[listener.fileno()],
            start_new_session=True,  # Ctrl-C in the terminal stops the dbt fork, not the server under it
        )
    before = os.environ.get(SOCKET_ENV)
    os.environ[SOCKET_ENV] = address
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(SOCKET_ENV, None)
        else:
            os.environ[SOCKET_ENV] = before
        # The build is over: forks still running go on without the server (they are processes of their own).
        server.stdin.close()
        server.kill()
        server.wait()
        shutil.rmtree(folder, ignore_errors=True)


def serve(
    listening: int, entry: str = DBT_ENTRY, idle_imports: tuple[str, ...] = (), saved_parse: str | None = None
) -> None:
    """Import dbt, then fork once per client that connects to the socket `listening` (a file descriptor), until
    standard input closes. `entry` is the `module:function` each fork calls (dbt's own entry point; a test gives
    its own). While no client waits, the server does one thing at a time that a fork would otherwise do itself:
    with dbt's entry point, it builds dbt's PREBUILT_SCHEMAS, compiles the readers and writers of dbt's manifest
    from the project's saved parse `saved_parse` (target/partial_parse.msgpack), then imports the modules
    `idle_imports`."""
    listener = socket.socket(fileno=listening)
    import importlib

    module, function = entry.split(":")
    for name in PREIMPORTED if entry == DBT_ENTRY else ():
        importlib.import_module(name)  # a failure ends the server; its waiting clients start plain dbt
    if entry == DBT_ENTRY:
        from itip_pipeline.defs.dbt.dbt_process import prepare

        prepare()
    main = getattr(importlib.import_module(module), function)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forks are reaped by the kernel; their status goes by socket
    watch = selectors.DefaultSelector()
    watch.register(listener, selectors.EVENT_READ)
    watch.register(sys.stdin.fileno(), selectors.EVENT_READ)
    # Only while no client waits: a `dbt parse` asked for early is not kept waiting for them.
    later: list[Callable[[], object]] = [
        *(partial(_build_schema, name) for name in (PREBUILT_SCHEMAS if entry == DBT_ENTRY else ())),
        *([partial(_compile_manifest_codecs, saved_parse)] if entry == DBT_ENTRY and saved_parse else []),
        *(partial(importlib.import_module, name) for name in idle_imports),
    ]
    while True:
        ready = watch.select(timeout=0 if later else None)
        if not ready and later:
            # Best effort: what fails here the fork does itself, and dbt or the model says what went wrong.
            with suppress(Exception):
                later.pop(0)()
            continue
        for key, _ in ready:
            if key.fileobj is listener:
                connection, _ = listener.accept()
                _fork_for(connection, listener, main)
            elif not os.read(sys.stdin.fileno(), 4096):  # the starting process closed it or died
                return


def _build_schema(name: str) -> None:
    """The JSON schema of dbt's class `module:Class` built (dbt keeps it for the life of the process)."""
    import importlib

    module, cls = name.split(":")
    getattr(importlib.import_module(module), cls).json_schema()


def _compile_manifest_codecs(saved_parse: str) -> None:
    """dbt's manifest read from the saved parse and its graph made, and thrown away: dbt's classes compile their
    readers and writers (mashumaro) at their first use in a process, about a second of a build's start when the
    fork reads the saved parse and writes the graph. A fork finds them compiled; what it reads is its own
    reading of the file, whatever the file held here."""
    from dbt.contracts.graph.manifest import Manifest

    with open(saved_parse, "rb") as file:
        manifest = Manifest.from_msgpack(file.read())
    manifest.build_flat_graph()


def _fork_for(connection: socket.socket, listener: socket.socket, main: Callable[[], object]) -> None:
    try:
        _, fds, _, _ = socket.recv_fds(connection, 1, 3)
        request = json.loads(_receive(connection, _LENGTH.unpack(_receive(connection, _LENGTH.size))[0]))
    except (OSError, ValueError, struct.error):
        connection.close()
        return
    if os.fork() == 0:  # the fork: becomes the dbt process the client stands for
        listener.close()
        code = _run_dbt(connection, fds, request, main)
        os._exit(code)
    for fd in fds:
        os.close(fd)
    connection.close()


def _run_dbt(connection: socket.socket, fds: list[int], request: dict, main: Callable[[], object]) -> int:
    for number, fd in enumerate(fds):
        os.dup2(fd, number)
        os.close(fd)
    for name in ("SIGCHLD", "SIGTERM", "SIGPIPE"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = request["argv"]
    connection.sendall(f"pid {os.getpid()}\n".encode())
    try:
        main()  # dbt's own entry point, as the `dbt` script calls it: reads sys.argv and exits
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except KeyboardInterrupt:
        code = 130
    except BaseException:  # noqa: BLE001 - dbt's own traceback, as a plain dbt process prints it
        import traceback

        traceback.print_exc()
        code = 1
    _close_database()
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError):
            stream.flush()
    with suppress(OSError):
        connection.sendall(f"exit {code}\n".encode())
    return code


def _close_database() -> None:
    """The database dbt-duckdb keeps open for the life of the process, closed. A plain dbt closes it as its
    interpreter exits, and DuckDB then writes its log (the .wal file) into the database file; the fork ends with
    os._exit, which skips that, and every later open of the working database would replay the log."""
    connections = sys.modules.get("dbt.adapters.duckdb.connections")
    environment = connections and connections.DuckDBConnectionManager._ENV
    if environment:
        connections.DuckDBConnectionManager.close_all_connections()
        with suppress(Exception):  # closing is best effort: the log is replayed at the next open
            environment.close()


def _receive(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise ValueError("the client closed the connection")
        data += chunk
    return data


def client(argv: list[str]) -> int:
    """Run `dbt <argv>` in a fork of the server, or exec the plain dbt when there is none."""
    address = os.environ.get(SOCKET_ENV)
    # Signals for dbt (Ctrl-C, Dagster stopping the step) are passed to the fork, also one that comes before the
    # fork is known: it is passed on as soon as it is.
    fork: list[int] = []
    pending: list[int] = []
    wake = _signal_pipe()
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), lambda number, _frame: _forward(fork, pending, number))
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        if not address:
            raise ConnectionRefusedError
        connection.connect(address)
        request = json.dumps({"argv": ["dbt", *argv], "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
        socket.send_fds(connection, [b"\0"], [0, 1, 2])
        connection.sendall(_LENGTH.pack(len(request)) + request)
        replies = _lines(connection, wake)
        started = next(replies, "")
    except OSError:
        started = ""
    if not started.startswith("pid "):  # nothing ran: the plain dbt does it all, a signal that came included
        connection.close()
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
        for number in pending:
            os.kill(os.getpid(), number)
        # -P: the working folder (the dbt project) is not on the import path, as it is not for the `dbt` script.
        os.execv(sys.executable, [sys.executable, "-P", "-c", PLAIN_DBT, *argv])
    fork.append(int(started.split()[1]))
    for number in pending:
        _forward(fork, [], number)
    try:
        finished = next(replies, "")
    except OSError:
        finished = ""
    if finished.startswith("exit "):
        return int(finished.split()[1])
    print("dbt's process ended without an exit status (killed?)", file=sys.stderr)
    return 1


def _signal_pipe() -> int:
    """The read end of a pipe that every signal with a Python handler writes a byte to (signal.set_wakeup_fd).

    Python runs a signal's handler between two steps of its own code, not inside a blocking call: a signal that
    comes after the last such step and before the client blocks on the socket would wait with it, its handler
    unrun, until dbt ends. So the client waits on this pipe as well as on the socket (`_lines`)."""
    read_end, write_end = os.pipe()
    for end in (read_end, write_end):
        os.set_blocking(end, False)
    signal.set_wakeup_fd(write_end)
    return read_end


def _lines(connection: socket.socket, wake: int) -> Iterator[str]:
    """The lines the server's fork sends, each as it comes, until it closes the connection. The wait for a line
    also ends at a signal (a byte on `wake`), so the signal's handler runs while dbt runs."""
    watch = selectors.DefaultSelector()
    watch.register(connection, selectors.EVENT_READ)
    watch.register(wake, selectors.EVENT_READ)
    received = b""
    while True:
        while b"\n" in received:
            line, received = received.split(b"\n", 1)
            yield line.decode("ascii") + "\n"
        for key, _ in watch.select():  # a Python call: a handler left unrun runs as it starts
            if key.fileobj == wake:
                with suppress(BlockingIOError):
                    os.read(wake, 512)
                continue
            chunk = connection.recv(4096)
            if not chunk:
                return
            received += chunk


def _forward(fork: list[int], pending: list[int], number: int) -> None:
    if not fork:
        pending.append(number)
        return
    with suppress(ProcessLookupError):
        os.kill(fork[0], number)


if __name__ == "__main__":  # the client, as `dbt_warm` starts it (the server is started by warm_dbt)
    sys.exit(client(sys.argv[2:]) if sys.argv[1:2] == ["client"] else "usage: dbt_warm DBT_ARGS…")
