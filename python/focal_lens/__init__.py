"""Write the prediction dump Focal Lens analyzes (per-sample logits and targets per epoch) from a
training loop, with adapters for PyTorch Lightning, Keras and Hugging Face.

The core needs nothing but the standard library (numpy makes it about 15x faster); the adapters
import their framework only when used.
"""
from typing import Any

__version__ = "0.1.0"  # first: the writer names it in the meta

from .watch import watch_loss  # noqa: E402
from .writer import CONVENTIONS, DumpMismatchError, DuplicateEpochError, FocalLensWriter, detect_rank, rank_path  # noqa: E402

__all__ = [
    "FocalLensWriter",
    "DumpMismatchError",
    "DuplicateEpochError",
    "CONVENTIONS",
    "detect_rank",
    "rank_path",
    "watch_loss",
    "FocalLensCallback",
    "FocalLensKerasCallback",
    "with_focal_lens",
    "__version__",
]

# adapter name -> module: imported on first use, so importing focal_lens never imports a framework
_ADAPTERS = {
    "FocalLensCallback": "lightning",
    "FocalLensKerasCallback": "keras",
    "with_focal_lens": "huggingface",
}


def __getattr__(name: str) -> Any:
    module = _ADAPTERS.get(name)
    if module is None:
        raise AttributeError(f"module 'focal_lens' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{module}", __name__), name)
