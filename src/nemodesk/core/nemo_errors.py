"""One typed exception tree for everything the NemoVideo protocol can answer with.

Every class is a `UserError` carrying the protocol's user-facing message and action (nemo-protocol.md,
"Errors"), so the chat pane and the CLI show `str(err)` and never a traceback. `error_for(...)` maps an
HTTP status and/or an envelope code to the right class (the anthropic SDK's status table, in small).
Messages never include a token: the server's own text is passed through `redact()` first.
"""

from __future__ import annotations

from nemodesk.core.errors import UserError
from nemodesk.core.redact import redact

SUPPORTED_FORMATS = "mp4 mov avi webm mkv jpg png gif webp mp3 wav m4a aac (and HEIC, converted to JPEG)"
REGISTER_URL = "https://nemovideo.com/register?bind={user_id}"


class NemoError(UserError):
    """Anything the NemoVideo service (or the local engine speaking its protocol) answered with."""

    default_message = "The NemoVideo service reported an error."
    default_action = ""

    def __init__(
        self,
        message: str | None = None,
        action: str | None = None,
        *,
        status: int | None = None,
        code: int | None = None,
        server_message: str | None = None,
    ):
        super().__init__(message or self.default_message, self.default_action if action is None else action)
        self.status = status
        self.code = code
        self.server_message = redact(server_message) if server_message else None


class AuthError(NemoError):
    """1001, 1010, 1011, HTTP 401: the token is bad or expired (an anonymous one is renewed once)."""

    default_message = "Your NemoVideo sign-in has expired or is not valid."
    default_action = "Sign in again with `nemodesk-cli login`."


class TokenRejected(AuthError):
    """A token the user set (NEMO_TOKEN or `token set`) was refused: only the user can give a new one."""

    default_message = "The NemoVideo token you set was refused (bad or expired)."
    default_action = "Set a new one with `nemodesk-cli token set` (or in Settings), or unset NEMO_TOKEN."


class SessionNotFound(NemoError):
    """1002 / HTTP 404 on /run_sse: the session is gone on the service."""

    default_message = "The editing session was not found on the service."
    default_action = "A new session has been started."


class NoCredits(NemoError):
    """2001. The action depends on whether the user is anonymous (see `for_user`)."""

    default_message = "You have run out of NemoVideo credits."
    default_action = "Top up credits in your account."

    @classmethod
    def for_user(cls, user_id: str | None, anonymous: bool, **kw: object) -> NoCredits:
        if anonymous and user_id:
            action = f"Register to get more credits: {REGISTER_URL.format(user_id=user_id)}"
        elif anonymous:
            action = "Register at https://nemovideo.com/register to get more credits."
        else:
            action = "Top up credits in your account."
        return cls(action=action, **kw)  # type: ignore[arg-type]


class UnsupportedFile(NemoError):
    """4001, or refused before sending because its content is not a supported type."""

    default_message = "This file type is not supported."
    default_action = f"Supported formats: {SUPPORTED_FORMATS}."


class FileTooLarge(NemoError):
    """4002, or refused before sending (more than 200 MB)."""

    default_message = "The file is too large (the limit is 200 MB per file)."
    default_action = "Compress it or trim it, then try again."


class ClientIdMissing(NemoError):
    """HTTP 400 on the anonymous-token call: the installation's client id was missing."""

    default_message = "The service did not accept this installation's client id."
    default_action = "Try again; if it keeps failing, delete the client_id file in NemoDesk's config folder."


class BadRequest(NemoError):
    """HTTP 400 about something other than the client id (an invalid draft, a malformed body).

    The protocol documents 400 only for a missing X-Client-Id, but servers also use it for requests they
    refuse; showing "client id" advice for an invalid draft would send the user the wrong way.
    """

    default_message = "The service refused the request."
    default_action = "If it keeps happening, save the project and report it with the log file."

    def __init__(
        self,
        message: str | None = None,
        action: str | None = None,
        *,
        status: int | None = None,
        code: int | None = None,
        server_message: str | None = None,
    ):
        if message is None and server_message:
            message = f"The service refused the request: {redact(server_message)}"
        super().__init__(message, action, status=status, code=code, server_message=server_message)


class ExportBlocked(NemoError):
    """HTTP 402: the plan cannot export (or attribution headers were missing). Not a credits problem."""

    default_message = "Export is not available on the free plan."
    default_action = "Register or upgrade your plan to unlock export."


class RateLimited(NemoError):
    """HTTP 429, after one retry."""

    default_message = "The service is busy or you made too many requests."
    default_action = "Wait a minute and try again."

    def __init__(self, *args: object, retry_after: float | None = None, **kw: object):
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(NemoError):
    """HTTP 5xx (after the retries idempotent reads get)."""

    default_message = "The NemoVideo service had a problem."
    default_action = "Try again in a few minutes."


class NemoTimeout(NemoError):
    default_message = "The NemoVideo service did not answer in time."
    default_action = "Check your connection and try again."


class NemoConnectionError(NemoError):
    default_message = "Could not reach the NemoVideo service."
    default_action = "Check your internet connection (or that the local engine is running) and try again."


class ProtocolError(NemoError):
    """The answer did not have the shape nemo-protocol.md describes."""

    default_message = "The service sent an answer NemoDesk does not understand."
    default_action = "Try again; if it persists, check for a NemoDesk update."


class StreamBroken(NemoError):
    """The chat stream ended abnormally. The message is never re-sent automatically (it costs credits)."""

    default_message = "The connection broke before the agent finished."
    default_action = (
        "Your message was not re-sent automatically; check the timeline and send it again if needed."
    )


class NothingToExport(NemoError):
    default_message = "There is nothing to export yet: the timeline is empty."
    default_action = "Add photos or ask the agent to make a video first."


class RenderFailed(NemoError):
    default_message = "The render failed."
    default_action = "Try exporting again."


class DownloadFailed(NemoError):
    default_message = "The finished video could not be downloaded."
    default_action = "Try exporting again; your existing file (if any) was left untouched."


class ExportCancelled(NemoError):
    default_message = "Export cancelled."
    default_action = ""


class NotSignedIn(NemoError):
    default_message = "Not signed in to NemoVideo."
    default_action = "Run `nemodesk-cli login` or set a token with `nemodesk-cli token set`."


CODE_TABLE: dict[int, type[NemoError]] = {
    1001: AuthError,
    1010: AuthError,
    1011: AuthError,
    1002: SessionNotFound,
    2001: NoCredits,
    4001: UnsupportedFile,
    4002: FileTooLarge,
}
STATUS_TABLE: dict[int, type[NemoError]] = {
    400: ClientIdMissing,
    401: AuthError,
    402: ExportBlocked,
    404: SessionNotFound,
    429: RateLimited,
}


def error_for(status: int | None, code: int | None = None, server_message: str | None = None) -> NemoError:
    """The exception for an HTTP status and/or envelope code (the code wins: it is more specific)."""
    cls: type[NemoError] | None = CODE_TABLE.get(code) if code is not None else None
    if cls is None and status is not None:
        cls = STATUS_TABLE.get(status) or (ServerError if status >= 500 else None)
    if cls is ClientIdMissing and server_message and "client" not in server_message.lower():
        cls = BadRequest
    if cls is None:
        msg = redact(server_message) if server_message else None
        detail = f": {msg}" if msg else ""
        what = f"code {code}" if code is not None else f"HTTP {status}"
        return NemoError(
            f"The NemoVideo service reported an error ({what}){detail}.",
            "",
            status=status,
            code=code,
            server_message=server_message,
        )
    return cls(status=status, code=code, server_message=server_message)
