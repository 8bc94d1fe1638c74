"""Contains all the data models used in inputs/outputs"""

from .audit_outcome import AuditOutcome
from .audit_page import AuditPage
from .audit_record import AuditRecord
from .audit_stage import AuditStage
from .capability import Capability
from .create_secret_request import CreateSecretRequest
from .create_token_request import CreateTokenRequest
from .created_token import CreatedToken
from .deleted_secret import DeletedSecret
from .env_file_request import EnvFileRequest
from .env_file_result import EnvFileResult
from .error import Error
from .error_code import ErrorCode
from .failed_phase import FailedPhase
from .internal_counters_dto import InternalCountersDto
from .live_dto import LiveDto
from .peer_status_dto import PeerStatusDto
from .policy_effect import PolicyEffect
from .policy_rule import PolicyRule
from .problem_detail import ProblemDetail
from .ready_dto import ReadyDto
from .ready_dto_status import ReadyDtoStatus
from .repair_counters_dto import RepairCountersDto
from .secret_value import SecretValue
from .secret_version import SecretVersion
from .secret_versions import SecretVersions
from .share_counters_dto import ShareCountersDto
from .status_dto import StatusDto
from .token import Token
from .token_creator import TokenCreator
from .token_list import TokenList
from .token_rate_limit import TokenRateLimit
from .token_summary import TokenSummary
from .update_secret_request import UpdateSecretRequest
from .write_outcome import WriteOutcome
from .written_version import WrittenVersion

__all__ = (
    "AuditOutcome",
    "AuditPage",
    "AuditRecord",
    "AuditStage",
    "Capability",
    "CreateSecretRequest",
    "CreateTokenRequest",
    "CreatedToken",
    "DeletedSecret",
    "EnvFileRequest",
    "EnvFileResult",
    "Error",
    "ErrorCode",
    "FailedPhase",
    "InternalCountersDto",
    "LiveDto",
    "PeerStatusDto",
    "PolicyEffect",
    "PolicyRule",
    "ProblemDetail",
    "ReadyDto",
    "ReadyDtoStatus",
    "RepairCountersDto",
    "SecretValue",
    "SecretVersion",
    "SecretVersions",
    "ShareCountersDto",
    "StatusDto",
    "Token",
    "TokenCreator",
    "TokenList",
    "TokenRateLimit",
    "TokenSummary",
    "UpdateSecretRequest",
    "WriteOutcome",
    "WrittenVersion",
)
