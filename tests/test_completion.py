"""Editors complete the documented pattern: jedi (the engine behind many Python editors)
offers the generated methods on ``client.`` inside ``with Client(...) as client:`` and the
result fields on ``client.data_controllers()[0].``, sync and async, for the bundled clients
and for a user's own generated client.

jedi does not understand ``typing.Self`` (it inferred ``SyncBaseClient`` there, 6 public
names); the base client annotates ``self`` with a bound TypeVar instead, which it follows.
"""

from __future__ import annotations

import sys
from pathlib import Path

import jedi
import pytest

from dxtra_typed.cli import main as cli
from dxtra_typed.codegen._driver import generate


def complete(source: str, folder: Path, extra_path: list[str] | None = None) -> set[str]:
    """Public names jedi offers at the end of ``source`` (written as folder/edited.py)."""
    project = jedi.Project(folder, sys_path=[*(extra_path or []), *sys.path])
    script = jedi.Script(source, path=folder / "edited.py", project=project)
    lines = source.splitlines()
    return {
        c.name for c in script.complete(len(lines), len(lines[-1])) if not c.name.startswith("_")
    }


pytestmark = pytest.mark.slow  # `make pytest-fast` skips it; `make test` runs it
SYNC = """\
from dxtra_typed import DxtraClient

with DxtraClient(api_key="...") as client:
    {tail}"""

ASYNC = """\
from dxtra_typed import AsyncDxtraClient

async def main() -> None:
    async with AsyncDxtraClient(api_key="...") as client:
        {tail}"""


@pytest.mark.parametrize("template", [SYNC, ASYNC], ids=["sync", "async"])
def test_generated_methods_complete_in_the_with_block(template: str, tmp_path: Path) -> None:
    names = complete(template.format(tail="client."), tmp_path)
    assert {"data_controllers", "data_subjects", "iter_data_subjects", "insert_rights_request"} <= (
        names
    )
    assert {"with_options", "role", "config"} <= names


def test_result_fields_complete_sync(tmp_path: Path) -> None:
    names = complete(SYNC.format(tail="client.data_controllers()[0]."), tmp_path)
    assert {"id", "title", "did", "created_at"} <= names


def test_result_fields_complete_async(tmp_path: Path) -> None:
    source = ASYNC.format(
        tail="controllers = await client.data_controllers()\n        controllers[0]."
    )
    names = complete(source, tmp_path)
    assert {"id", "title", "did", "created_at"} <= names


def test_a_users_generated_client_completes_too(tmp_path: Path) -> None:
    project = tmp_path / "shop"
    assert cli(["init", str(project), "--package", "shop_dxtra"]) == 0
    generate(project)
    sync = """\
from shop_dxtra.client import Client

with Client.from_env() as client:
    client.controller_contacts()[0]."""
    assert {"id", "title", "contact_email"} <= complete(sync, project, [str(project)])
    methods = complete(sync.rsplit("\n", 1)[0] + "\n    client.", project, [str(project)])
    assert {"controller_contacts", "with_options"} <= methods
    asynchronous = """\
from shop_dxtra.async_client import AsyncClient

async def main() -> None:
    async with AsyncClient.from_env() as client:
        client."""
    assert "controller_contacts" in complete(asynchronous, project, [str(project)])


@pytest.mark.parametrize(
    ("call", "fields"),
    [
        ("client.rights_requests_stream(cursor=[])", {"id", "status", "request_type"}),
        ("client.data_subjects_live(controller_id=cid)", {"append", "index"}),
    ],
    ids=["stream-row", "live-snapshot"],
)
def test_subscription_items_complete(call: str, fields: set[str], tmp_path: Path) -> None:
    """``async for`` over a subscription, with and without ``aclosing``: the items complete."""
    plain = ASYNC.format(tail=f"async for item in {call}:\n            item.")
    closing = "from contextlib import aclosing\n" + ASYNC.format(
        tail=f"async with aclosing({call}) as items:\n"
        "            async for item in items:\n                item."
    )
    assert fields <= complete(plain, tmp_path)
    assert fields <= complete(closing, tmp_path)
