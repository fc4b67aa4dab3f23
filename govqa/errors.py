"""The root of govqa's error hierarchy: a leaf module, importing nothing of govqa.

Every error that a user can act on is a ``GovqaError``: a one-line message
saying what is wrong, and where it helps the command that fixes it. Each
stage raises its own subclass (``govqa.ingest.errors``, ``govqa.index.errors``,
``govqa.qa.question.QuestionError``, ``govqa.web``'s service errors, ``govqa.eval``'s
file errors); two handlers turn them into output: the CLI's (one line on stderr,
exit 2) and the API's (``{"error": message}`` with ``status``).
"""

from __future__ import annotations


class GovqaError(Exception):
    """An error with a one-line message for the user.

    ``fix`` is the command or step that mends it, appended to the message as
    ``…: run `govqa index rebuild```. ``status`` is the HTTP status the API
    answers with; ``exit_code`` the CLI's exit code (2: cannot be used as is).
    ``page_message`` is what the Gradio page shows (Chinese where a subclass
    gives one); ``public_message`` what the API tells a remote client (the
    message, unless a subclass keeps server details such as paths out of it).
    """

    status = 500
    exit_code = 2
    page_message_zh: str | None = None

    def __init__(self, message: str, fix: str | None = None):
        self.message, self.fix = message, fix
        super().__init__(f"{message}: {fix}" if fix else message)

    @property
    def page_message(self) -> str:
        """The message for a person on the page: the subclass's Chinese text, else the English one."""
        return self.page_message_zh or str(self)

    @property
    def public_message(self) -> str:
        """The message for a remote client (the API): ``str(self)`` unless a subclass hides server paths."""
        return str(self)


class ConfigError(GovqaError):
    """A configuration file or value that cannot be used; the message names the file and key."""

    status = 500
