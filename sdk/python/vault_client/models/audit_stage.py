from enum import StrEnum


class AuditStage(StrEnum):
    REQUEST = "request"
    RESPONSE = "response"

    def __str__(self) -> str:
        return str(self.value)
