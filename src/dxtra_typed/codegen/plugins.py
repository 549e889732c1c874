"""ariadne-codegen plugin that fits generated methods to the dxtra_typed base client.

Enable in codegen.toml: ``plugins = [..., "dxtra_typed.codegen.plugins.DxtraClientPlugin"]``.

Before::

    def data_subject(self, id: UUID, **kwargs: Any) -> Optional[DataSubjectDataSubject]:
        ...
        data = self.get_data(response)
        return DataSubject.model_validate(data).data_subject

After::

    def data_subject(self, id: UUID, **kwargs: Unpack[CallOptions]) -> Optional[...]:
        ...
        data = self.get_data(response, result_type=DataSubject)
        return DataSubject.model_validate(data).data_subject

Why: typed ``**kwargs`` make a misspelt per-call option a type error (ariadne-codegen #344),
and handing the result model to ``get_data`` lets the base client validate the response
itself, so a wrong shape raises a typed ``InvalidResponseError`` and a GraphQL error carries
the partial data as a typed model. ``model_validate`` on an already-validated instance
returns it unchanged, so the generated return line stays as ariadne-codegen wrote it.

Subscriptions (async client only) get ``**kwargs: Unpack[SubscribeOptions]`` and
``execute_ws(..., result_type=Result)`` the same way, and become plain methods returning a
``Subscription`` (``dxtra_typed._subscription_iter`` says why: ``aclosing`` type-checks, a
``break`` stays quiet, editors complete the items)::

    def rights_requests_live(...) -> Subscription[list[RightsRequestsLiveData...]]:
        return Subscription(
            self.execute_ws(..., result_type=RightsRequestsLive, **kwargs),
            lambda data: RightsRequestsLive.model_validate(data).data_subjects_rights_requests,
        )

A *streaming* subscription (root field ``<table>Stream`` with a ``cursor`` argument) uses
``Subscription.rows`` and yields one row per item instead of one batch, so
``async for request in client.rights_requests_stream(...)`` sees each request once; the
base client resumes a dropped stream after the last row of the last batch it handed over,
which is the last row yielded (the socket is read again only when the loop asks for more).
"""

from __future__ import annotations

import ast
from typing import Any

from ariadne_codegen.plugins.base import Plugin
from graphql import FieldNode, OperationDefinitionNode, OperationType

from dxtra_typed.codegen.docstrings import comment_above, split_role


def _unpack(options: str) -> ast.Subscript:
    return ast.Subscript(
        value=ast.Name(id="Unpack", ctx=ast.Load()),
        slice=ast.Name(id=options, ctx=ast.Load()),
        ctx=ast.Load(),
    )


def _is_stream(operation: OperationDefinitionNode) -> bool:
    """A Hasura streaming subscription: one root field ``...Stream(cursor: ...)``."""
    selections = operation.selection_set.selections
    if len(selections) != 1 or not isinstance(selections[0], FieldNode):
        return False
    root = selections[0]
    return root.name.value.endswith(("Stream", "_stream")) and any(
        argument.name.value == "cursor" for argument in root.arguments
    )


def _flatten_stream(method: ast.AsyncFunctionDef) -> None:
    """``yield batch`` → ``for row in batch: yield row``, and the return type to match."""
    returns = method.returns
    if not (
        isinstance(returns, ast.Subscript)
        and isinstance(returns.slice, ast.Subscript)
        and isinstance(returns.slice.value, ast.Name)
        and returns.slice.value.id in ("list", "List")
    ):
        return  # not a list per event (e.g. without ShorterResultsPlugin): leave as is
    for node in ast.walk(method):
        if isinstance(node, ast.AsyncFor):
            # ShorterResultsPlugin leaves a bare statement (not a list) as the loop body.
            body: Any = node.body
            statement = body[0] if isinstance(body, list) and len(body) == 1 else body
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Yield):
                batch = statement.value.value
                if batch is None:
                    return
                node.body = [
                    ast.For(
                        target=ast.Name(id="row", ctx=ast.Store()),
                        iter=batch,
                        body=[ast.Expr(value=ast.Yield(value=ast.Name(id="row", ctx=ast.Load())))],
                        orelse=[],
                        lineno=node.lineno if hasattr(node, "lineno") else 1,
                    )
                ]
                returns.slice = returns.slice.slice
                return


def _add_result_type(method: ast.FunctionDef | ast.AsyncFunctionDef, call_name: str) -> None:
    result = _result_class(method)
    for node in ast.walk(method):
        if (
            result is not None
            and isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == call_name
            and not any(k.arg == "result_type" for k in node.keywords)
        ):
            position = len([k for k in node.keywords if k.arg is not None])
            node.keywords.insert(
                position, ast.keyword(arg="result_type", value=ast.Name(id=result, ctx=ast.Load()))
            )


def _close_inner_stream(method: ast.AsyncFunctionDef) -> None:
    """``async for data in self.execute_ws(...)`` → the same inside ``async with aclosing(...)``.

    When the caller stops early (``break``, cancellation, ``aclose()``), only the generated
    generator is closed; the ``execute_ws`` generator inside it would wait for garbage
    collection to close its socket (websockets' keepalive task and transport outliving the
    loop). ``aclosing`` closes it, and so the socket, at the same moment.
    """
    for parent in ast.walk(method):
        body = getattr(parent, "body", None)
        if not isinstance(body, list):
            continue
        for index, statement in enumerate(body):
            if (
                isinstance(statement, ast.AsyncFor)
                and isinstance(statement.iter, ast.Call)
                and isinstance(statement.iter.func, ast.Attribute)
                and statement.iter.func.attr == "execute_ws"
            ):
                events = ast.Name(id="events", ctx=ast.Store())
                opened = ast.Call(
                    func=ast.Name(id="aclosing", ctx=ast.Load()), args=[statement.iter], keywords=[]
                )
                statement.iter = ast.Name(id="events", ctx=ast.Load())
                body[index] = ast.copy_location(
                    ast.AsyncWith(
                        items=[ast.withitem(context_expr=opened, optional_vars=events)],
                        body=[statement],
                        type_comment=None,
                    ),
                    statement,
                )


def _as_subscription(method: ast.AsyncFunctionDef, stream: bool) -> ast.FunctionDef | None:
    """The generated ``async def`` generator → a plain method returning a ``Subscription``::

        async def x_live(...) -> AsyncIterator[list[Row]]:
            async for data in self.execute_ws(...):
                yield Result.model_validate(data).field

    becomes::

        def x_live(...) -> Subscription[list[Row]]:
            return Subscription(
                self.execute_ws(...), lambda data: Result.model_validate(data).field
            )

    A stream (``stream``) uses ``Subscription.rows`` and yields one row at a time. See
    ``dxtra_typed._subscription_iter`` for why (typing with ``aclosing``, a quiet ``break``,
    completion). None when the body is not the shape above (left as written).
    """
    returns = method.returns
    if not (
        isinstance(returns, ast.Subscript)
        and isinstance(returns.value, ast.Name)
        and returns.value.id == "AsyncIterator"
    ):
        return None
    for index, statement in enumerate(method.body):
        if not (
            isinstance(statement, ast.AsyncFor)
            and isinstance(statement.iter, ast.Call)
            and isinstance(statement.iter.func, ast.Attribute)
            and statement.iter.func.attr == "execute_ws"
            and isinstance(statement.target, ast.Name)
        ):
            continue
        body: Any = statement.body  # ShorterResultsPlugin may leave a bare statement
        single = body[0] if isinstance(body, list) and len(body) == 1 else body
        if not (
            isinstance(single, ast.Expr)
            and isinstance(single.value, ast.Yield)
            and single.value.value is not None
        ):
            return None
        item = returns.slice
        if stream:
            if not (
                isinstance(item, ast.Subscript)
                and isinstance(item.value, ast.Name)
                and item.value.id in ("list", "List")
            ):
                return None
            item = item.slice
        factory: ast.expr = ast.Name(id="Subscription", ctx=ast.Load())
        if stream:
            factory = ast.Attribute(value=factory, attr="rows", ctx=ast.Load())
        convert = ast.Lambda(
            args=ast.arguments(
                posonlyargs=[],
                args=[ast.arg(arg=statement.target.id)],
                kwonlyargs=[],
                kw_defaults=[],
                defaults=[],
            ),
            body=single.value.value,
        )
        method.body[index] = ast.copy_location(
            ast.Return(value=ast.Call(func=factory, args=[statement.iter, convert], keywords=[])),
            statement,
        )
        plain = ast.FunctionDef(
            name=method.name,
            args=method.args,
            body=method.body,
            decorator_list=method.decorator_list,
            returns=ast.Subscript(
                value=ast.Name(id="Subscription", ctx=ast.Load()), slice=item, ctx=ast.Load()
            ),
            type_comment=method.type_comment,
        )
        return ast.copy_location(plain, method)
    return None


def _declared_role(method: ast.FunctionDef | ast.AsyncFunctionDef, role: str) -> None:
    """``kwargs.setdefault("role", "<role>")`` first in the body: an operation written for a
    role (``# role:`` above it) runs as that role unless the call passes ``role=``; the
    client's own role is for the operations that declare none. Per call, then operation,
    then client: the most specific setting wins, as ``dxtra-typed call`` does it."""
    if method.args.kwarg is None:
        return
    statement = ast.Expr(
        value=ast.Call(
            func=ast.Attribute(
                value=ast.Name(id=method.args.kwarg.arg, ctx=ast.Load()),
                attr="setdefault",
                ctx=ast.Load(),
            ),
            args=[ast.Constant(value="role"), ast.Constant(value=role)],
            keywords=[],
        )
    )
    method.body.insert(0, statement)


def _result_class(method: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    for node in ast.walk(method):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "model_validate"
            and isinstance(node.func.value, ast.Name)
        ):
            return node.func.value.id
    return None


def _class_doc(config: dict[str, Any]) -> str:
    """The generated client class's docstring: what ``help(Client)`` and editors show."""
    section = config.get("tool", {}).get("ariadne-codegen", {})
    queries = str(section.get("queries_path", "queries")).rstrip("/")
    sync_name = config.get("tool", {}).get("dxtra-typed", {}).get("client", "the sync client")
    if section.get("async_client", True):
        return (
            f"Async Dxtra client: the same methods as `{sync_name}`, awaited, on an "
            "httpx.AsyncClient,\n"
            f"plus the subscriptions in `{queries}/` as async iterators.\n\n"
            "Construct and configure it as the sync client (``from_env()`` reads DXTRA_*); "
            "use\n``async with`` or ``await client.aclose()``.\n"
        )
    return (
        f"Dxtra client: one typed method per operation in `{queries}/`.\n\n"
        "Settings come from the arguments, then DXTRA_API_KEY / DXTRA_AUTH_URL / "
        "DXTRA_API_URL /\nDXTRA_ROLE, then defaults (production URLs, role ``user``). The API "
        "key (a Dxtra personal\naccess token) is exchanged for a JWT on first use and renewed "
        "before it expires; the JWT\nstays in memory only, unless ``token_store`` (or "
        "DXTRA_TOKEN_CACHE) shares it, sealed, with\nother processes. Use as a context "
        "manager, or call ``close()``.\n"
    )


class DxtraClientPlugin(Plugin):
    def __init__(self, schema: Any, config_dict: Any) -> None:
        super().__init__(schema, config_dict)
        self._streams: set[str] = set()
        self._subscriptions: set[str] = set()

    def get_file_comment(self, comment: str, code: str, source: str | None = None) -> str:
        """ariadne-codegen's two-line header (``# Generated by ariadne-codegen`` then
        ``# Source: x``) on one line: the same facts, one line fewer in every module."""
        lines = comment.splitlines()
        if len(lines) == 2 and lines[1].startswith("# Source: "):
            return f"{lines[0]} from {lines[1].removeprefix('# Source: ')}"
        return comment

    def generate_client_class(self, class_def: ast.ClassDef) -> ast.ClassDef:
        """A docstring on the class: it is the client users construct, not a base to wrap."""
        doc = ast.Expr(value=ast.Constant(value=_class_doc(self.config_dict)))
        class_def.body.insert(0, doc)
        return class_def

    def generate_client_method(
        self,
        method_def: ast.FunctionDef | ast.AsyncFunctionDef,
        operation_definition: OperationDefinitionNode,
    ) -> ast.FunctionDef | ast.AsyncFunctionDef:
        _, role = split_role(comment_above(operation_definition))
        if role is not None:
            _declared_role(method_def, role)
        if operation_definition.operation == OperationType.SUBSCRIPTION:
            self._subscriptions.add(method_def.name)
            if method_def.args.kwarg is not None:
                method_def.args.kwarg.annotation = _unpack("SubscribeOptions")
            _add_result_type(method_def, "execute_ws")
            if isinstance(method_def, ast.AsyncFunctionDef) and _is_stream(operation_definition):
                # Flattened in generate_client_module, after ShorterResultsPlugin (which
                # rewrites the yields there) has run.
                self._streams.add(method_def.name)
            return method_def
        if method_def.args.kwarg is not None:
            method_def.args.kwarg.annotation = ast.Subscript(
                value=ast.Name(id="Unpack", ctx=ast.Load()),
                slice=ast.Name(id="CallOptions", ctx=ast.Load()),
                ctx=ast.Load(),
            )
        result = _result_class(method_def)
        for node in ast.walk(method_def):
            if (
                result is not None
                and isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get_data"
                and not node.keywords
            ):
                node.keywords.append(
                    ast.keyword(arg="result_type", value=ast.Name(id=result, ctx=ast.Load()))
                )
        return method_def

    def generate_client_module(self, module: ast.Module) -> ast.Module:
        for node in ast.walk(module):
            if not isinstance(node, ast.ClassDef):
                continue
            for index, method in enumerate(node.body):
                if isinstance(method, ast.AsyncFunctionDef) and method.name in self._subscriptions:
                    plain = _as_subscription(method, stream=method.name in self._streams)
                    if plain is not None:
                        node.body[index] = plain
                        continue
                    # An unexpected shape: keep the generator, at least closing the inner one.
                    if method.name in self._streams:
                        _flatten_stream(method)
                    _close_inner_stream(method)
        imports: list[Any] = [
            ast.ImportFrom(module="contextlib", names=[ast.alias(name="aclosing")], level=0),
            ast.ImportFrom(
                module="dxtra_typed.runtime",
                names=[ast.alias(name="Subscription")],
                level=0,
            ),
            ast.ImportFrom(module="typing", names=[ast.alias(name="Unpack")], level=0),
            ast.ImportFrom(
                module="dxtra_typed.runtime", names=[ast.alias(name="CallOptions")], level=0
            ),
            # Unused (and dropped by the formatter) in the sync client.
            ast.ImportFrom(
                module="dxtra_typed.runtime",
                names=[ast.alias(name="SubscribeOptions")],
                level=0,
            ),
        ]
        module.body[0:0] = imports
        return module

    def copy_code(self, copied_code: str) -> str:
        """Give ariadne-codegen's ``UnsetType`` a repr, so ``help(client.data_subjects)``
        shows ``limit: ... = UNSET`` instead of ``<UnsetType object at 0x...>``."""
        head = "class UnsetType:\n"
        if head in copied_code and "def __repr__" not in copied_code:
            copied_code = copied_code.replace(
                head,
                head + '    def __repr__(self) -> str:\n        return "UNSET"\n\n',
                1,
            )
        return copied_code
