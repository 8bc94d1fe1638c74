from enum import StrEnum


class FailedPhase(StrEnum):
    VOTING = "voting"
    WRITING = "writing"

    def __str__(self) -> str:
        return str(self.value)
