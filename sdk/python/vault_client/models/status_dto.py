from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.internal_counters_dto import InternalCountersDto
    from ..models.peer_status_dto import PeerStatusDto
    from ..models.repair_counters_dto import RepairCountersDto
    from ..models.share_counters_dto import ShareCountersDto


T = TypeVar("T", bound="StatusDto")


@_attrs_define
class StatusDto:
    """
    Attributes:
        node_id (str):
        n (float):
        k (float):
        m (float):
        b (float):
        peers (list[PeerStatusDto]):
        repair (RepairCountersDto):
        shares (ShareCountersDto):
        internal (InternalCountersDto):
    """

    node_id: str
    n: float
    k: float
    m: float
    b: float
    peers: list[PeerStatusDto]
    repair: RepairCountersDto
    shares: ShareCountersDto
    internal: InternalCountersDto
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        node_id = self.node_id

        n = self.n

        k = self.k

        m = self.m

        b = self.b

        peers = []
        for peers_item_data in self.peers:
            peers_item = peers_item_data.to_dict()
            peers.append(peers_item)

        repair = self.repair.to_dict()

        shares = self.shares.to_dict()

        internal = self.internal.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "nodeId": node_id,
                "n": n,
                "k": k,
                "m": m,
                "b": b,
                "peers": peers,
                "repair": repair,
                "shares": shares,
                "internal": internal,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.internal_counters_dto import InternalCountersDto
        from ..models.peer_status_dto import PeerStatusDto
        from ..models.repair_counters_dto import RepairCountersDto
        from ..models.share_counters_dto import ShareCountersDto

        d = dict(src_dict)
        node_id = d.pop("nodeId")

        n = d.pop("n")

        k = d.pop("k")

        m = d.pop("m")

        b = d.pop("b")

        peers = []
        _peers = d.pop("peers")
        for peers_item_data in _peers:
            peers_item = PeerStatusDto.from_dict(peers_item_data)

            peers.append(peers_item)

        repair = RepairCountersDto.from_dict(d.pop("repair"))

        shares = ShareCountersDto.from_dict(d.pop("shares"))

        internal = InternalCountersDto.from_dict(d.pop("internal"))

        status_dto = cls(
            node_id=node_id,
            n=n,
            k=k,
            m=m,
            b=b,
            peers=peers,
            repair=repair,
            shares=shares,
            internal=internal,
        )

        status_dto.additional_properties = d
        return status_dto

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
