"""What codegen records about each generated operation method, as data.

The ``OperationTablePlugin`` (dxtra_typed.codegen.operations) writes one ``OPERATIONS`` table
into each generated client module. Tools that need an operation's kind, GraphQL name or role
(``dxtra-typed call``) read it from there, not from the wording of a docstring.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

OperationKind = Literal["query", "mutation", "subscription"]


@dataclass(frozen=True)
class OperationInfo:
    """One operation of ``queries/`` as the generated client exposes it."""

    name: str
    """The GraphQL operation name, e.g. ``DataControllers``."""
    method: str
    """The client method that runs it, e.g. ``data_controllers``."""
    kind: OperationKind
    role: str | None
    """The ``# role:`` the operation is written for; None: the client's role."""
    doc: str
    """The ``#`` comment above the operation in ``queries/`` (without the role line)."""
