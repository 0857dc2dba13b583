"""The warm dbt server compiles dbt's manifest readers and writers while it waits, so a build in a fork of it
starts without compiling them."""

from __future__ import annotations

import subprocess
import sys

# In a fresh interpreter: optionally the server's warm-up, then count the (de)serialisers mashumaro compiles
# while a build's start reads the saved parse and makes the graph.
PROBE = """
import sys
from dbt.contracts.graph.manifest import Manifest
from mashumaro.core.meta.code.builder import CodeBuilder
from itip_pipeline.defs.dbt.warm import _compile_manifest_codecs

saved = sys.argv[1]
if sys.argv[2] == "warm":
    _compile_manifest_codecs(saved)
compiled = []
for name in ("add_unpack_method", "add_pack_method"):
    original = getattr(CodeBuilder, name)
    def counting(self, *args, _original=original, **kwargs):
        compiled.append(self.cls.__name__)
        return _original(self, *args, **kwargs)
    setattr(CodeBuilder, name, counting)
with open(saved, "rb") as file:
    Manifest.from_msgpack(file.read()).build_flat_graph()
print(len(compiled))
"""


def _compiled(saved_parse, mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(saved_parse), mode], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


def test_a_build_after_the_warm_up_compiles_no_manifest_codec(dbt_manifest):
    saved_parse = dbt_manifest.parent / "partial_parse.msgpack"
    assert _compiled(saved_parse, "cold") > 20, "the probe must see a cold start compile them"
    assert _compiled(saved_parse, "warm") == 0
