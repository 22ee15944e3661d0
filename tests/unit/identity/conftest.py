"""The ``cloud`` fixture of the identity tests lives in ``identity_world`` (its helpers are imported by the tests too).

Not from here: ``from conftest import ...`` finds whichever conftest pytest imported last, which is another
folder's when a run names several folders.
"""

from identity_world import _saved_world, cloud

__all__ = ["_saved_world", "cloud"]
