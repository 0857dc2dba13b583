"""Code the tests share: builders of deliveries and warehouses, attackers, readers, local servers.

Test modules import from here (`from support.delivery_builders import ...`), never from each other: a test
module is collected once per tier and must not be a library. `pythonpath = ["tests"]` in pyproject.toml puts
this package on the path.
"""

from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent.parent
