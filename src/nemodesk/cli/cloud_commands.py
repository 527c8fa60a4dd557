"""`nemodesk-cli` commands that talk to a NemoVideo backend (the cloud, a URL, or `--api-url local`).

login | logout | token set | credits | new-session | upload FILE... | chat "MESSAGE" | state [--json] |
export -o OUT.mp4. The current session is remembered per API URL in a small JSON file in the config dir
(never the token: that lives in the keyring). `chat` writes the agent's words to stdout and everything
else (activity, notices, errors) to stderr, so `nemodesk-cli chat ... > reply.txt` keeps only the reply.
Every failure is a UserError with the protocol's message: main.py prints it and exits non-zero.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import logging
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nemodesk.core.errors import UserError

log = logging.getLogger(__name__)
SESSIONS_FILE = "cli_sessions.json"


# ------------------------------------------------------------------------------------------ session store
def _store_path() -> Path:
    from nemodesk.core import paths

    return paths.config_dir() / SESSIONS_FILE


def load_store() -> dict[str, Any]:
    try:
        data = json.loads(_store_path().read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def save_entry(key: str, **values: Any) -> None:
    """Update this API's entry (session id, pending render job); never holds a token."""
    data = load_store()
    entry = dict(data.get(key) or {})
    for k, v in values.items():
        if v is None:
            entry.pop(k, None)
        else:
            entry[k] = v
    if entry:
        data[key] = entry
    else:
        data.pop(key, None)
    p = _store_path()
    tmp = p.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, p)


# ------------------------------------------------------------------------------------------ backend
@dataclass
class Backend:
    key: str  # what the session is remembered under: the normalised URL, or "local"
    url: str
    is_local: bool
    identity: Any  # Identity


def _api_url(args: argparse.Namespace) -> str:
    from nemodesk.core.client import CLOUD_URL

    return (getattr(args, "api_url", None) or os.environ.get("NEMODESK_API_URL") or CLOUD_URL).strip()


@contextlib.contextmanager
def open_backend(args: argparse.Namespace) -> Iterator[Backend]:
    """The backend for this command; `local` starts the local engine for the command's duration."""
    from nemodesk.core.identity import Identity, normalize_api_url

    url = _api_url(args)
    if url.lower() == "local":
        try:
            from nemodesk.engine.launcher import start_engine  # lazy: the CLI works without the engine
        except ImportError as err:
            raise UserError("The local engine is not available in this build.", "Use --api-url URL.") from err
        with start_engine() as engine:
            identity = Identity(engine.url, use_env=False)
            token = getattr(engine, "token", None)
            if token:
                identity.use_session_token(token)
            yield Backend("local", engine.url, True, identity)
        return
    if not url.startswith(("http://", "https://")):
        raise UserError(f"Not an API URL: {url}", "Use --api-url https://... or --api-url local.")
    yield Backend(normalize_api_url(url), url.rstrip("/"), False, Identity(url))


def _client(b: Backend, args: argparse.Namespace, **kw: Any):
    from nemodesk.core.client import NemoClient

    def notice(text: str) -> None:
        print(f"note: {text}", file=sys.stderr)

    def replaced(old: str, new: Any) -> None:
        save_entry(b.key, session_id=new.session_id, task_id=new.task_id)

    poll = getattr(args, "poll_interval", None)
    return NemoClient(
        b.url,
        identity=b.identity,
        is_local=b.is_local,
        poll_interval=poll,
        on_notice=notice,
        on_session_replaced=replaced,
        **kw,
    )


def _run(coro: Any) -> Any:
    from nemodesk.core.redact import install

    install("nemodesk", "httpx", "httpcore")
    if not logging.getLogger().handlers:
        from nemodesk.core.redact import setup_logging

        setup_logging(logging.WARNING)
    return asyncio.run(coro)


async def _session(client: Any, b: Backend, create: bool = True) -> str:
    sid = (load_store().get(b.key) or {}).get("session_id")
    if sid:
        return str(sid)
    if not create:
        raise UserError("No session yet.", "Run `nemodesk-cli new-session` or upload files first.")
    s = await client.create_session()
    save_entry(b.key, session_id=s.session_id, task_id=s.task_id)
    print(f"note: started session {s.session_id}", file=sys.stderr)
    return s.session_id


# ------------------------------------------------------------------------------------------ commands
def cmd_login(args: argparse.Namespace) -> int:
    async def go() -> int:
        with open_backend(args) as b:
            async with _client(b, args) as c:
                if b.identity.token or b.identity.load():
                    src = {"env": "NEMO_TOKEN", "keyring": "the saved token"}.get(
                        b.identity.source, "a token"
                    )
                    credits = (
                        await c.credits()
                    )  # proves the token works (an expired anonymous one is renewed)
                    print(f"Already signed in to {b.url} with {src} ({credits.available:g} credits).")
                else:
                    await c.login()
                    credits = await c.credits()
                    who = b.identity.user_id or "anonymous user"
                    print(f"Signed in as {who} ({credits.available:g} credits).")
                return 0

    return _run(go())


def cmd_logout(args: argparse.Namespace) -> int:
    with open_backend(args) as b:
        b.identity.forget()
        save_entry(b.key, session_id=None, task_id=None, render_job=None)
        extra = " (NEMO_TOKEN is still set in your environment)" if os.environ.get("NEMO_TOKEN") else ""
        print(f"Signed out of {b.url}{extra}.")
    return 0


def cmd_token_set(args: argparse.Namespace) -> int:
    token = args.token
    if args.stdin:
        token = sys.stdin.readline()
    elif not token:
        token = getpass.getpass("NemoVideo token: ")
    token = (token or "").strip()
    if not token:
        raise UserError("No token given.", "Paste the token from your NemoVideo account.")
    with open_backend(args) as b:
        if b.is_local:
            raise UserError("The local engine uses its own per-launch token.", "Use --api-url URL.")
        if b.identity.set_user_token(token):
            print(f"Token saved for {b.url}.")
        else:
            print(f"note: {b.identity.unsaved_notice}", file=sys.stderr)
    return 0


def cmd_credits(args: argparse.Namespace) -> int:
    async def go() -> int:
        with open_backend(args) as b:
            async with _client(b, args) as c:
                cr = await c.credits()
        if cr.unlimited:
            print("Credits: unlimited (local engine)")
        else:
            print(f"Credits: {cr.available:g} available, {cr.frozen:g} reserved, {cr.total:g} total")
        return 0

    return _run(go())


def cmd_new_session(args: argparse.Namespace) -> int:
    async def go() -> int:
        with open_backend(args) as b:
            async with _client(b, args) as c:
                s = await c.create_session(args.language)
            save_entry(b.key, session_id=s.session_id, task_id=s.task_id, render_job=None)
        print(s.session_id)
        return 0

    return _run(go())


def _bar(total: int | None, desc: str, unit: str = "B"):
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        unit_scale=unit == "B",
        file=sys.stderr,
        leave=False,
        disable=not sys.stderr.isatty(),
    )


def cmd_upload(args: argparse.Namespace) -> int:
    files = [Path(f) for f in args.files]

    async def go() -> int:
        with open_backend(args) as b:
            async with _client(b, args) as c:
                sid = await _session(c, b)
                bar = _bar(None, "uploading")

                def progress(done: int, total: int) -> None:
                    bar.total = total
                    bar.n = done
                    bar.refresh()

                try:
                    uploaded = await c.upload(sid, files, progress)
                finally:
                    bar.close()
        for f in uploaded:
            print(f"uploaded: {f.filename} ({f.file_type or 'file'})")
        return 0

    return _run(go())


def cmd_chat(args: argparse.Namespace) -> int:
    from nemodesk.core.routing import Route, route

    message = " ".join(args.message).strip()
    if not message:
        raise UserError("Nothing to send.", 'Type a message: nemodesk-cli chat "make a slideshow".')
    where = Route.CHAT if args.no_route else route(message)
    if where == Route.CREDITS:
        return cmd_credits(args)
    if where == Route.STATUS:
        args.json = False
        return cmd_state(args)
    if where == Route.EXPORT:
        print("To export, run: nemodesk-cli export -o OUT.mp4", file=sys.stderr)
        return 2
    if where == Route.UPLOAD:
        print("To upload, run: nemodesk-cli upload FILE...", file=sys.stderr)
        return 2
    return _run(_chat(args, message))


async def _chat(args: argparse.Namespace, message: str) -> int:
    from nemodesk.core.chat_events import Activity, ChatError, Notice, TextDelta, TextFinal, TurnEnd
    from nemodesk.core.routing import GuiKind, gui_actions
    from nemodesk.core.summary import timeline_summary

    live = sys.stdout.isatty()  # a pipe gets final texts only, so nothing is ever printed twice
    shown = ""
    failed = False
    with open_backend(args) as b:
        async with _client(b, args) as c:
            sid = await _session(c, b)
            turn = c.chat(sid, message)
            async for u in turn:
                if isinstance(u, TextDelta):
                    if live:
                        sys.stdout.write(u.text)
                        sys.stdout.flush()
                        shown += u.text
                elif isinstance(u, TextFinal):
                    if live and shown and u.text.startswith(shown):
                        sys.stdout.write(u.text[len(shown) :] + "\n")
                    elif live and shown:
                        sys.stdout.write("\r\x1b[K" * (shown.count("\n") + 1) + u.text + "\n")
                    else:
                        sys.stdout.write(u.text + "\n")
                    sys.stdout.flush()
                    shown = ""
                elif isinstance(u, Activity):
                    if u.phase == "call":
                        print(f"[{u.text}]", file=sys.stderr)
                elif isinstance(u, Notice):
                    print(f"note: {u.text}", file=sys.stderr)
                    if u.session_id:
                        save_entry(b.key, session_id=u.session_id)
                elif isinstance(u, ChatError):
                    failed = True
                    print(f"error: {u}", file=sys.stderr)
                elif isinstance(u, TurnEnd):
                    if not u.text and u.state is not None:
                        if u.diff_sentences:
                            print("The agent changed the timeline:")
                            for s in u.diff_sentences:
                                print(f"- {s}")
                        elif not failed:
                            print("The agent finished; the timeline did not change.")
                    for act in gui_actions(u.text):
                        if act.kind in (GuiKind.SHOW_TIMELINE, GuiKind.FETCH_STATE) and u.state is not None:
                            print(timeline_summary(u.state.draft), file=sys.stderr)
                        elif act.kind == GuiKind.EXPORT:
                            print("hint: export with `nemodesk-cli export -o OUT.mp4`", file=sys.stderr)
                        elif act.kind == GuiKind.SEND_EDIT and act.message:
                            print(f'hint: nemodesk-cli chat "{act.message}"', file=sys.stderr)
    return 1 if failed else 0


def cmd_state(args: argparse.Namespace) -> int:
    from nemodesk.core.summary import timeline_summary

    async def go() -> int:
        with open_backend(args) as b:
            async with _client(b, args) as c:
                sid = await _session(c, b, create=False)
                st = await c.state(sid)
        if getattr(args, "json", False):
            print(json.dumps(st.raw_draft, ensure_ascii=False, indent=2))
        else:
            if st.draft_error:
                print(f"note: the draft did not validate: {st.draft_error}", file=sys.stderr)
            print(_lenient_summary(st, timeline_summary))
        return 0

    return _run(go())


def _lenient_summary(st: Any, summarise: Any) -> str:
    """The summary even of a draft our validator refuses (another server's dialect): best effort."""
    if st.draft is not None or not isinstance(st.raw_draft, dict):
        return summarise(st.draft)
    import copy

    from nemodesk.core.draft import Draft

    try:
        return summarise(Draft(copy.deepcopy(st.raw_draft)))
    except Exception:
        return summarise(None)


def cmd_export(args: argparse.Namespace) -> int:
    out = Path(args.output).expanduser()
    if out.suffix.lower() != ".mp4":
        raise UserError(f"{out.name}: the output must be an .mp4 file.", "Use -o NAME.mp4.")

    async def go() -> int:
        with open_backend(args) as b:
            async with _client(b, args) as c:
                sid = await _session(c, b, create=False)
                entry = load_store().get(b.key) or {}
                job_id = args.job
                if job_id is None and args.resume and entry.get("render_job"):
                    job_id = entry["render_job"]
                bars: dict[str, Any] = {}
                tty = sys.stderr.isatty()

                def progress(p: Any) -> None:
                    if p.stage == "submitted":
                        save_entry(b.key, render_job=p.job_id)
                        print(f"note: render job {p.job_id} started", file=sys.stderr)
                        return
                    if not tty:
                        return
                    if p.stage == "rendering":
                        bar = bars.setdefault("r", _bar(100, "rendering", "%"))
                        if p.fraction is not None:
                            bar.n = round(p.fraction * 100)
                        bar.set_postfix_str(p.status)
                    elif p.stage == "downloading":
                        if "r" in bars:
                            bars.pop("r").close()
                        bar = bars.setdefault("d", _bar(p.bytes_total, "downloading"))
                        bar.n = p.bytes_done
                    else:
                        return
                    bar.refresh()

                try:
                    path = await c.export(sid, out, progress=progress, job_id=job_id)
                finally:
                    for bar in bars.values():
                        bar.close()
                save_entry(b.key, render_job=None)
        print(path)
        return 0

    return _run(go())


# ------------------------------------------------------------------------------------------ parser
def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands to the parser."""

    def add(name: str, func: Any, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(func=func)
        p.add_argument("--poll-interval", type=float, default=None, help=argparse.SUPPRESS)
        return p

    add("login", cmd_login, "get an anonymous NemoVideo token (saved to the system keyring)")
    add("logout", cmd_logout, "forget the saved token and session for this API URL")
    tok = sub.add_parser("token", help="manage the NemoVideo token")
    tok_sub = tok.add_subparsers(dest="token_command", metavar="ACTION")
    ts = tok_sub.add_parser("set", help="save a token from your NemoVideo account (asked for when not given)")
    ts.add_argument("token", nargs="?", help="the token (safer: leave it out and paste it when asked)")
    ts.add_argument("--stdin", action="store_true", help="read the token from standard input")
    ts.set_defaults(func=cmd_token_set)
    add("credits", cmd_credits, "show the credit balance")
    ns = add("new-session", cmd_new_session, "start a new editing session (remembered for this API URL)")
    ns.add_argument("--language", default="en", help="the agent's language, e.g. en or zh-CN")
    up = add("upload", cmd_upload, "upload photos, videos or music to the current session")
    up.add_argument("files", nargs="+", metavar="FILE")
    ch = add("chat", cmd_chat, "send a message to the agent; its reply goes to stdout")
    ch.add_argument("message", nargs="+", metavar="MESSAGE")
    ch.add_argument(
        "--no-route", action="store_true", help="always send to the agent (skip the routing table)"
    )
    st = add("state", cmd_state, "show the timeline summary of the current session")
    st.add_argument("--json", action="store_true", help="print the draft JSON instead")
    ex = add("export", cmd_export, "render the current session's timeline to an MP4")
    ex.add_argument("-o", "--output", required=True, metavar="OUT.mp4")
    ex.add_argument("--job", default=None, help="resume polling a render job by its id")
    ex.add_argument("--resume", action="store_true", help="resume the last render job of this session")
