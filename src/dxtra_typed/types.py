"""The generated result, fragment, input and enum types, importable from one place.

    from dxtra_typed.types import DataControllerSummary, RightsRequestFields

    def label(controller: DataControllerSummary) -> str:
        return f"{controller.title} ({controller.id})"

Every name the generated package ``dxtra_generated`` exports (its ``__init__``) and every input
type (its ``input_types``, which the package root does not re-export) is here, so no code needs
to import from a module named after one operation. The names worth typing your own
functions with are the **fragments** of ``queries/`` (``PublicDataController``,
``DataControllerSummary``, ``DataSubjectSummary``, ``DataSubjectRecord``, ``ConsentValue``,
``RightsRequestFields``): ariadne-codegen makes each fragment a class, and the result class of
every selection that spreads it inherits from it, so a function typed with the fragment accepts
the rows of every operation that spreads it. A generated package of your own (``dxtra-typed
generate``) exports the same kinds of names from its own ``__init__``.
"""

from dxtra_generated import *  # noqa: F403
from dxtra_generated import __all__ as _package_exports
from dxtra_generated.input_types import *  # noqa: F403
from dxtra_generated.input_types import __all__ as _input_exports

# The package root does not re-export the input types (issue 21: a `where` variable reaches
# a third of a Hasura schema's inputs); this module still offers every one of them.
__all__ = _package_exports + _input_exports
