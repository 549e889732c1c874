"""`@validated` messages name the argument and the problem, without pydantic's union plumbing."""

from __future__ import annotations

from typing import Union
from uuid import UUID

import pytest
from dxtra_generated.base_model import UNSET, UnsetType

from dxtra_typed import InvalidArgumentError
from dxtra_typed._validation import validated


@validated
def page(  # the shape of a generated method's optional arguments
    controller_id: UUID,
    limit: Union[int | None, UnsetType] = UNSET,  # noqa: UP007 (as ariadne-codegen writes it)
    offset: Union[int | None, UnsetType] = UNSET,  # noqa: UP007
) -> None:
    return None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"limit": "5"}, "page: limit: Input should be a valid integer"),
        ({"limit": True}, "page: limit: Input should be a valid integer"),
        (
            {"limit": "5", "offset": 1.5},
            "page: limit: Input should be a valid integer; offset: Input should be a valid integer",
        ),
    ],
)
def test_an_optional_argument_is_named_without_union_branches(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        page(UUID(int=1), **kwargs)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_a_required_argument_keeps_its_message() -> None:
    with pytest.raises(InvalidArgumentError) as info:
        page(controller_id="not-a-uuid")  # type: ignore[arg-type]
    assert str(info.value) == "page: controller_id: Input should be a UUID or a UUID string"


@validated
def ids(id: UUID, others: list[UUID] | None = None) -> tuple[UUID, list[UUID] | None]:
    return id, others


def test_a_uuid_string_is_accepted_and_handed_over_as_a_uuid() -> None:
    text = "6f1c8a52-3c1e-4f7e-9d3a-0b5a2c7e9f10"
    assert ids(text, [text.upper()]) == (UUID(text), [UUID(text)])  # type: ignore[arg-type, list-item]
    assert ids(UUID(text)) == (UUID(text), None)


@pytest.mark.parametrize("bad", [5, b"0123456789abcdef", "6f1c8a52", ""])
def test_anything_else_is_refused_for_a_uuid(bad: object) -> None:
    with pytest.raises(InvalidArgumentError, match=r"^ids: id: "):
        ids(id=bad)  # type: ignore[arg-type]


def test_none_and_unset_are_accepted() -> None:
    page(UUID(int=1), limit=None)
    page(UUID(int=1))
