"""Contains all the data models used in inputs/outputs"""

from .create_secret_request import CreateSecretRequest
from .deleted_secret import DeletedSecret
from .env_file_request import EnvFileRequest
from .env_file_result import EnvFileResult
from .error import Error
from .error_code import ErrorCode
from .failed_phase import FailedPhase
from .internal_counters_dto import InternalCountersDto
from .live_dto import LiveDto
from .peer_status_dto import PeerStatusDto
from .problem_detail import ProblemDetail
from .ready_dto import ReadyDto
from .ready_dto_status import ReadyDtoStatus
from .repair_counters_dto import RepairCountersDto
from .secret_value import SecretValue
from .secret_version import SecretVersion
from .secret_versions import SecretVersions
from .share_counters_dto import ShareCountersDto
from .status_dto import StatusDto
from .update_secret_request import UpdateSecretRequest
from .write_outcome import WriteOutcome
from .written_version import WrittenVersion

__all__ = (
    "CreateSecretRequest",
    "DeletedSecret",
    "EnvFileRequest",
    "EnvFileResult",
    "Error",
    "ErrorCode",
    "FailedPhase",
    "InternalCountersDto",
    "LiveDto",
    "PeerStatusDto",
    "ProblemDetail",
    "ReadyDto",
    "ReadyDtoStatus",
    "RepairCountersDto",
    "SecretValue",
    "SecretVersion",
    "SecretVersions",
    "ShareCountersDto",
    "StatusDto",
    "UpdateSecretRequest",
    "WriteOutcome",
    "WrittenVersion",
)
