from enum import StrEnum


class WriteOutcome(StrEnum):
    ABORTED = "aborted"
    COMMITTED = "committed"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return str(self.value)
