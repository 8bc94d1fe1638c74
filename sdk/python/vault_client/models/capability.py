from enum import StrEnum


class Capability(StrEnum):
    ADMIN = "admin"
    DELETE = "delete"
    ENV = "env"
    LIST = "list"
    READ = "read"
    WRITE = "write"

    def __str__(self) -> str:
        return str(self.value)
