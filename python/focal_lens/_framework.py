"""Finding a framework's base class without importing the framework for the core."""
from __future__ import annotations

import importlib
import sys
from typing import Optional, Sequence, Tuple


def base_class(candidates: Sequence[Tuple[str, str]]) -> Optional[type]:
    """The first importable (module, attribute) class, preferring modules the program already
    imported (a Trainer from `pytorch_lightning` rejects callbacks of `lightning.pytorch`)."""
    ordered = sorted(candidates, key=lambda c: c[0] not in sys.modules)
    for module, attribute in ordered:
        try:
            return getattr(importlib.import_module(module), attribute)
        except ImportError:
            continue
        except AttributeError:
            continue
    return None
