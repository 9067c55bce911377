"""The bot's error types: a message for the user and a hint on what to do about it."""

from .redact import mask


class BotError(Exception):
    """An error the user can act on; the CLI prints it as one line, without a traceback."""

    def __init__(self, message: str, hint: str = ""):
        message, hint = mask(message), mask(hint)  # a remote may echo a secret into either
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(BotError):
    """feeds.toml is invalid; `problems` holds every `file:line: key: problem (hint)` line."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class SourceError(BotError):
    """A source could not be polled (network, HTTP status, unparseable body)."""


class RetryLater(SourceError):
    """The source asked us to wait (429 / Retry-After, spent request budget)."""

    def __init__(self, message: str, seconds: float, hint: str = ""):
        super().__init__(message, hint)
        self.seconds = seconds
