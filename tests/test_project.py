"""Projects: `.nemodesk` save/open round trips, recent list, autosave and crash recovery."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from nemodesk.core import project
from nemodesk.core.draft import TT_AUDIO, TT_TEXT, TT_VIDEO, Draft, Segment, Track
from nemodesk.core.project import (
    Autosave,
    ProjectError,
    add_recent,
    open_project,
    recent_projects,
    save_project,
)


def _draft(photos: list[Path], music: Path) -> tuple[Draft, dict[str, Path]]:
    d = Draft.new(title="Lisbon trip")
    files = {f"media:{i:04x}": p for i, p in enumerate(photos[:3])}
    files["media:beef"] = music
    segs = [
        Segment.make(2500, src=src, name=p.name, tr={"type": "crossfade", "d": 500})
        for src, p in list(files.items())[:3]
    ]
    segs[0].raw["zz_cloud_key"] = {"kept": [1, 2]}  # an unknown key must survive untouched
    d.add_track(Track.make(TT_VIDEO, "Photos", segs))
    d.add_track(Track.make(TT_AUDIO, "BGM", [Segment.make(6500, src="media:beef", name="Lo-fi", vol=0.35)]))
    d.add_track(Track.make(TT_TEXT, "Title", [Segment.make(2000, text="Lisbon 里斯本", style="title")]))
    return d, files


def test_round_trip_keeps_draft_bytes_and_media(photos, music, tmp_path):
    draft, files = _draft(photos, music)
    text = draft.dumps()
    target = tmp_path / "out" / "Lisbon.nemodesk"
    save_project(target, text, files.get)
    assert zipfile.is_zipfile(target)

    opened = open_project(target, tmp_path / "extracted")
    assert opened.draft_text == text
    assert opened.draft.dumps().encode() == text.encode()
    assert opened.draft.tracks[0].segments[0].unknown() == {"zz_cloud_key": {"kept": [1, 2]}}
    assert opened.missing == []
    assert set(opened.media) == set(files)
    for src, original in files.items():
        assert opened.media[src].read_bytes() == original.read_bytes()
        assert opened.media[src] != original
    assert opened.title == "Lisbon trip"


def test_opened_media_keep_their_own_names(photos, music, tmp_path):
    """The tray shows the extracted files: they must be called what the user called them."""
    draft, files = _draft(photos, music)
    target = save_project(tmp_path / "p.nemodesk", draft, files.get)
    opened = open_project(target, tmp_path / "extracted")
    assert {p.name for p in opened.media.values()} == {p.name for p in files.values()}
    again = open_project(target, tmp_path / "extracted")  # a second open reuses the same files
    assert again.media == opened.media


def test_missing_media_are_listed_not_fatal(photos, music, tmp_path):
    draft, files = _draft(photos, music)
    del files["media:0001"]
    target = save_project(tmp_path / "p.nemodesk", draft, files.get)
    opened = open_project(target, tmp_path / "x")
    assert opened.missing == ["media:0001"]
    assert "media:0000" in opened.media


def test_save_never_replaces_a_good_file_with_a_broken_one(photos, music, tmp_path):
    draft, files = _draft(photos, music)
    target = save_project(tmp_path / "out" / "p.nemodesk", draft, files.get)
    good = target.read_bytes()
    with pytest.raises(ProjectError, match=r"t\[0\]\.sg\[0\]\.d"):
        save_project(target, '{"t": [{"tt": 0, "sg": [{"d": -1}]}]}', files.get)

    def vanishing(src: str) -> Path:  # a media file that is gone by the time the zip is written
        gone = tmp_path / f"gone-{src[-4:]}.jpg"
        gone.write_bytes(b"x")
        if src == "media:0002":
            return tmp_path / "out"  # a folder: cannot be stored as a file
        return gone

    save_project(target, draft, vanishing)  # a folder is treated as missing, the save still succeeds
    assert open_project(target, tmp_path / "x").missing == ["media:0002"]
    assert target.read_bytes() != good
    save_project(target, draft, files.get)
    assert target.read_bytes() == good or open_project(target, tmp_path / "y").missing == []
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["p.nemodesk"]  # no temp file left behind


@pytest.mark.parametrize("case", ["not_zip", "no_draft", "bad_draft", "escape", "newer"])
def test_bad_projects_are_refused_with_the_file_name(case, tmp_path):
    target = tmp_path / "bad.nemodesk"
    if case == "not_zip":
        target.write_bytes(b"hello")
    else:
        with zipfile.ZipFile(target, "w") as z:
            manifest = {"format": "nemodesk-project", "version": 1, "media": {}}
            if case == "newer":
                manifest["version"] = 99
            if case == "escape":
                manifest["media"] = {"media:1": {"file": "../../evil.jpg"}}
                z.writestr("../../evil.jpg", b"x")
            z.writestr("manifest.json", json.dumps(manifest))
            if case == "bad_draft":
                z.writestr("draft.json", '{"t": [{"tt": 0, "sg": [{"d": 0}]}]}')
            elif case != "no_draft":
                z.writestr(
                    "draft.json", json.dumps({"t": [{"tt": 0, "sg": [{"d": 5, "m": {"src": "media:1"}}]}]})
                )
    with pytest.raises(ProjectError) as err:
        open_project(target, tmp_path / "x")
    assert "bad.nemodesk" in str(err.value)
    if case == "bad_draft":
        assert "t[0].sg[0].d" in str(err.value)
    assert not (tmp_path.parent / "evil.jpg").exists()


def test_recent_projects(photos, music, tmp_path):
    draft, files = _draft(photos, music)
    made = [save_project(tmp_path / f"p{i}.nemodesk", draft, files.get) for i in range(12)]
    for p in made:
        add_recent(p)
    add_recent(made[3])
    recent = recent_projects()
    assert recent[0] == made[3].resolve()
    assert len(recent) == project.MAX_RECENT
    made[11].unlink()
    assert made[11].resolve() not in recent_projects()


def test_autosave_recovery_after_crash(photos, music, tmp_path):
    draft, files = _draft(photos, music)
    root = tmp_path / "autosave"
    first = Autosave(root)
    assert first.start() is None  # a first run has nothing to recover
    first.save(draft, files.get)
    # the process "crashes": stop() is never called, the marker stays

    second = Autosave(root)
    recover = second.start()
    assert recover == second.file
    opened = second.load()
    assert opened.draft.dumps() == draft.dumps()
    assert opened.media == {src: p.resolve() for src, p in files.items()}  # linked, not copied
    second.stop()

    third = Autosave(root)
    assert third.start() is None  # the last run ended cleanly
    third.stop()
    assert not root.joinpath("running.lock").exists()


def test_autosave_default_location_is_data_dir(isolated_dirs):
    a = Autosave()
    assert a.root == isolated_dirs / "data" / "autosave"
    with project.autosave_session() as (_a, recover):
        assert recover is None
