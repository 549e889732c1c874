"""Public exceptions read ``dxtra_typed.X`` in tracebacks and reprs, as httpx's do.

A traceback prints ``cls.__module__ + "." + cls.__qualname__``; without this a user sees
``dxtra_typed._errors.ValidationFailedError`` and learns a private module's name, which a later
release may rename. ``dxtra_typed.X`` resolves every name set here (the package's lazy
``__getattr__``), so pickling still works. Only exceptions: for other classes typing tools read
``sys.modules[cls.__module__]`` to resolve annotations, which this would break.
"""

from __future__ import annotations

from collections.abc import Mapping

PUBLIC_MODULE = "dxtra_typed"


def publish_exceptions(namespace: Mapping[str, object]) -> None:
    """Give every exception class defined in the calling module (its ``globals()``) whose name
    has no leading underscore the package's name as its ``__module__``."""
    here = namespace["__name__"]
    for name, value in list(namespace.items()):
        if (
            isinstance(value, type)
            and issubclass(value, BaseException)
            and value.__module__ == here
            and not name.startswith("_")
        ):
            value.__module__ = PUBLIC_MODULE
