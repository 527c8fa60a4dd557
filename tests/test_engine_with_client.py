"""NemoDesk's own client (core.client.NemoClient) drives the engine unchanged: the whole flow."""

from __future__ import annotations

import asyncio
from pathlib import Path

import av
import pytest

from helpers_engine import engine_thread
from nemodesk.core.client import NemoClient
from nemodesk.core.identity import Identity


def test_nemo_client_runs_the_whole_flow_against_the_engine(tmp_path: Path, photos, music) -> None:
    from nemodesk.core.chat_events import TextFinal, TurnEnd

    with engine_thread(tmp_path / "data") as running:

        async def flow() -> tuple[list, Path, object]:
            async with NemoClient(
                running.url, identity=Identity(running.url, use_env=False), is_local=True
            ) as c:
                credits = await c.credits()
                session = await c.create_session("en")
                files = await c.upload(session.session_id, [photos[0], photos[1], music])
                assert [f.file_type for f in files] == ["image", "image", "audio"]
                updates = []
                for msg in ("turn my photos into a slideshow video with transitions and music, square",
                            "make each photo 1 second"):  # fmt: skip
                    async for u in c.chat(session.session_id, msg):
                        updates.append(u)
                st = await c.state(session.session_id)
                assert st.exportable and st.draft is not None
                out = tmp_path / "out.mp4"
                await c.export(session.session_id, out)
                return updates, out, credits

        updates, out, credits = asyncio.run(flow())
    assert credits.unlimited  # type: ignore[attr-defined]
    finals = [u for u in updates if isinstance(u, TextFinal)]
    assert len(finals) == 2 and all(f.text for f in finals)
    assert sum(isinstance(u, TurnEnd) for u in updates) == 2
    with av.open(str(out)) as c:
        assert c.streams.video[0].codec_context.width == 1080
        assert sum(1 for _ in c.decode(video=0)) > 30


@pytest.fixture(autouse=True)
def _no_keyring_prompts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
