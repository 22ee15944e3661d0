"""Operator and benchmark scripts (``python -m scripts.<name>``).

They import the services' shared contracts and packages by the names Lambda uses (``core``,
``pedidos``, ...), so ``services/`` goes on the path once, here.
"""

import sys
from pathlib import Path

_SERVICES = str(Path(__file__).resolve().parent.parent / "services")
if _SERVICES not in sys.path:
    sys.path.insert(0, _SERVICES)
