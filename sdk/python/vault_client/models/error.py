from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.audit_stage import AuditStage
from ..models.error_code import ErrorCode
from ..models.failed_phase import FailedPhase
from ..models.write_outcome import WriteOutcome
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.problem_detail import ProblemDetail


T = TypeVar("T", bound="Error")


@_attrs_define
class Error:
    """Every error answer. Branch on `code`; `message` is for people.

    Attributes:
        status_code (int): The HTTP status, repeated. Example: 404.
        code (ErrorCode): The contract: clients branch on it. Each code always comes with the same status (docs/api.md).
        message (str):  Example: Secret 'DB_PASSWORD' does not exist..
        request_id (str): Also sent as the X-Request-Id header. Example: 1f6c1b0e-5c1a-4a43-9a57-44c4b6d9e0b1.
        details (list[ProblemDetail] | Unset): VALIDATION_FAILED, PAYLOAD_TOO_LARGE, .env and FORBIDDEN errors: each
            problem.
        name (str | Unset): The secret concerned (SECRET_NOT_FOUND, VERSION_NOT_FOUND, SECRET_ALREADY_EXISTS,
            VERSION_CONFLICT, FORBIDDEN). Example: DB_PASSWORD.
        capability (str | Unset): FORBIDDEN: the first capability the token lacks (on `name`, unless it is env or
            admin); `details` lists every one lacking. Example: read.
        token_id (str | Unset): TOKEN_NOT_FOUND: the id asked for. Example: 3f2a9c0d41b7e865.
        stage (AuditStage | Unset): AUDIT_UNAVAILABLE: request, refused before anything was done; response, the work ran
            and its answer was withheld (a write may have taken effect).
        names (list[str] | Unset): Every offending name, never a value (.env errors, WRITE_CONFLICT).
        version (int | Unset): VERSION_NOT_FOUND: the version asked for.
        expected_version (int | Unset): VERSION_CONFLICT: the expectedVersion sent.
        current_version (int | Unset): VERSION_CONFLICT: the version that is current.
        phase (FailedPhase | Unset): VOTING_PHASE_FAILED, WRITING_PHASE_FAILED, DELETE_THRESHOLD_NOT_MET: which phase
            failed.
        yes_votes (int | Unset): VOTING_PHASE_FAILED: replicas that voted yes.
        required (int | Unset): VOTING_PHASE_FAILED: yes votes needed (m, or n-k+1 for a delete).
        outcome (WriteOutcome | Unset): WRITING_PHASE_FAILED, DELETE_THRESHOLD_NOT_MET in the writing phase: what is
            known of the outcome. unknown: it is settled the same way on every replica within about two lock leases;
            aborted: nothing was written; committed (deletes): chosen, and completing.
        shards_destroyed (int | Unset): DELETE_THRESHOLD_NOT_MET: replicas that confirmed destroying their shares.
        destroy_threshold (int | Unset): DELETE_THRESHOLD_NOT_MET: n - k + 1.
        answered (int | Unset): INSUFFICIENT_SHARDS: replicas that answered.
        shares (int | Unset): INSUFFICIENT_SHARDS: consistent shares found.
        locked (int | Unset): INSUFFICIENT_SHARDS: replicas on which an unfinished write still held the name.
        versions (list[int] | Unset): INSUFFICIENT_SHARDS from a version listing: the versions no answering replica
            holds.
        retry_after_seconds (int | Unset): OVERLOADED, RATE_LIMITED: seconds to wait (also the Retry-After header).
    """

    status_code: int
    code: ErrorCode
    message: str
    request_id: str
    details: list[ProblemDetail] | Unset = UNSET
    name: str | Unset = UNSET
    capability: str | Unset = UNSET
    token_id: str | Unset = UNSET
    stage: AuditStage | Unset = UNSET
    names: list[str] | Unset = UNSET
    version: int | Unset = UNSET
    expected_version: int | Unset = UNSET
    current_version: int | Unset = UNSET
    phase: FailedPhase | Unset = UNSET
    yes_votes: int | Unset = UNSET
    required: int | Unset = UNSET
    outcome: WriteOutcome | Unset = UNSET
    shards_destroyed: int | Unset = UNSET
    destroy_threshold: int | Unset = UNSET
    answered: int | Unset = UNSET
    shares: int | Unset = UNSET
    locked: int | Unset = UNSET
    versions: list[int] | Unset = UNSET
    retry_after_seconds: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status_code = self.status_code

        code = self.code.value

        message = self.message

        request_id = self.request_id

        details: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.details, Unset):
            details = []
            for details_item_data in self.details:
                details_item = details_item_data.to_dict()
                details.append(details_item)

        name = self.name

        capability = self.capability

        token_id = self.token_id

        stage: str | Unset = UNSET
        if not isinstance(self.stage, Unset):
            stage = self.stage.value

        names: list[str] | Unset = UNSET
        if not isinstance(self.names, Unset):
            names = self.names

        version = self.version

        expected_version = self.expected_version

        current_version = self.current_version

        phase: str | Unset = UNSET
        if not isinstance(self.phase, Unset):
            phase = self.phase.value

        yes_votes = self.yes_votes

        required = self.required

        outcome: str | Unset = UNSET
        if not isinstance(self.outcome, Unset):
            outcome = self.outcome.value

        shards_destroyed = self.shards_destroyed

        destroy_threshold = self.destroy_threshold

        answered = self.answered

        shares = self.shares

        locked = self.locked

        versions: list[int] | Unset = UNSET
        if not isinstance(self.versions, Unset):
            versions = self.versions

        retry_after_seconds = self.retry_after_seconds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "statusCode": status_code,
                "code": code,
                "message": message,
                "requestId": request_id,
            }
        )
        if details is not UNSET:
            field_dict["details"] = details
        if name is not UNSET:
            field_dict["name"] = name
        if capability is not UNSET:
            field_dict["capability"] = capability
        if token_id is not UNSET:
            field_dict["tokenId"] = token_id
        if stage is not UNSET:
            field_dict["stage"] = stage
        if names is not UNSET:
            field_dict["names"] = names
        if version is not UNSET:
            field_dict["version"] = version
        if expected_version is not UNSET:
            field_dict["expectedVersion"] = expected_version
        if current_version is not UNSET:
            field_dict["currentVersion"] = current_version
        if phase is not UNSET:
            field_dict["phase"] = phase
        if yes_votes is not UNSET:
            field_dict["yesVotes"] = yes_votes
        if required is not UNSET:
            field_dict["required"] = required
        if outcome is not UNSET:
            field_dict["outcome"] = outcome
        if shards_destroyed is not UNSET:
            field_dict["shardsDestroyed"] = shards_destroyed
        if destroy_threshold is not UNSET:
            field_dict["destroyThreshold"] = destroy_threshold
        if answered is not UNSET:
            field_dict["answered"] = answered
        if shares is not UNSET:
            field_dict["shares"] = shares
        if locked is not UNSET:
            field_dict["locked"] = locked
        if versions is not UNSET:
            field_dict["versions"] = versions
        if retry_after_seconds is not UNSET:
            field_dict["retryAfterSeconds"] = retry_after_seconds

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.problem_detail import ProblemDetail

        d = dict(src_dict)
        status_code = d.pop("statusCode")

        code = ErrorCode(d.pop("code"))

        message = d.pop("message")

        request_id = d.pop("requestId")

        _details = d.pop("details", UNSET)
        details: list[ProblemDetail] | Unset = UNSET
        if _details is not UNSET:
            details = []
            for details_item_data in _details:
                details_item = ProblemDetail.from_dict(details_item_data)

                details.append(details_item)

        name = d.pop("name", UNSET)

        capability = d.pop("capability", UNSET)

        token_id = d.pop("tokenId", UNSET)

        _stage = d.pop("stage", UNSET)
        stage: AuditStage | Unset
        if isinstance(_stage, Unset):
            stage = UNSET
        else:
            stage = AuditStage(_stage)

        names = cast(list[str], d.pop("names", UNSET))

        version = d.pop("version", UNSET)

        expected_version = d.pop("expectedVersion", UNSET)

        current_version = d.pop("currentVersion", UNSET)

        _phase = d.pop("phase", UNSET)
        phase: FailedPhase | Unset
        if isinstance(_phase, Unset):
            phase = UNSET
        else:
            phase = FailedPhase(_phase)

        yes_votes = d.pop("yesVotes", UNSET)

        required = d.pop("required", UNSET)

        _outcome = d.pop("outcome", UNSET)
        outcome: WriteOutcome | Unset
        if isinstance(_outcome, Unset):
            outcome = UNSET
        else:
            outcome = WriteOutcome(_outcome)

        shards_destroyed = d.pop("shardsDestroyed", UNSET)

        destroy_threshold = d.pop("destroyThreshold", UNSET)

        answered = d.pop("answered", UNSET)

        shares = d.pop("shares", UNSET)

        locked = d.pop("locked", UNSET)

        versions = cast(list[int], d.pop("versions", UNSET))

        retry_after_seconds = d.pop("retryAfterSeconds", UNSET)

        error = cls(
            status_code=status_code,
            code=code,
            message=message,
            request_id=request_id,
            details=details,
            name=name,
            capability=capability,
            token_id=token_id,
            stage=stage,
            names=names,
            version=version,
            expected_version=expected_version,
            current_version=current_version,
            phase=phase,
            yes_votes=yes_votes,
            required=required,
            outcome=outcome,
            shards_destroyed=shards_destroyed,
            destroy_threshold=destroy_threshold,
            answered=answered,
            shares=shares,
            locked=locked,
            versions=versions,
            retry_after_seconds=retry_after_seconds,
        )

        error.additional_properties = d
        return error

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
