from enum import StrEnum


class AuditOutcome(StrEnum):
    CLIENT_ERROR = "client-error"
    SERVER_ERROR = "server-error"
    SUCCESS = "success"

    def __str__(self) -> str:
        return str(self.value)
