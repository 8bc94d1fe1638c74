from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ProblemDetail")


@_attrs_define
class ProblemDetail:
    """One problem of a VALIDATION_FAILED or .env error.

    Attributes:
        message (str):  Example: name must match ^[A-Za-z_][A-Za-z0-9_.-]{0,127}$.
        field (str | Unset): The body field, path parameter or header at fault. Example: name.
        line (int | Unset): .env errors: the 1-based line. Example: 3.
        name (str | Unset): .env and FORBIDDEN errors: the secret name involved. Example: API_KEY.
        capability (str | Unset): FORBIDDEN: the capability lacking on `name`. Example: read.
    """

    message: str
    field: str | Unset = UNSET
    line: int | Unset = UNSET
    name: str | Unset = UNSET
    capability: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        message = self.message

        field = self.field

        line = self.line

        name = self.name

        capability = self.capability

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "message": message,
            }
        )
        if field is not UNSET:
            field_dict["field"] = field
        if line is not UNSET:
            field_dict["line"] = line
        if name is not UNSET:
            field_dict["name"] = name
        if capability is not UNSET:
            field_dict["capability"] = capability

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        message = d.pop("message")

        field = d.pop("field", UNSET)

        line = d.pop("line", UNSET)

        name = d.pop("name", UNSET)

        capability = d.pop("capability", UNSET)

        problem_detail = cls(
            message=message,
            field=field,
            line=line,
            name=name,
            capability=capability,
        )

        problem_detail.additional_properties = d
        return problem_detail

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
