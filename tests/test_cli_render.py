"""nemodesk-cli render / slideshow: real MP4s out, one clear line and a non-zero exit on bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers_render import probe
from nemodesk.cli.main import main
from nemodesk.core.slideshow import MediaRef, build_slideshow


def test_slideshow_builds_the_agents_draft_and_renders_it(photos, music, tmp_path: Path, capsys):
    out = tmp_path / "show.mp4"
    rc = main(
        [
            "slideshow",
            *map(str, photos[:3]),
            "--music",
            str(music),
            "--aspect",
            "9:16",
            "--seconds",
            "1",
            "--transition",
            "slide_left",
            "--title",
            "Lisbon 里斯本 🚋",
            "--preview",
            "-o",
            str(out),
        ]
    )
    assert rc == 0
    same = build_slideshow(
        [MediaRef(str(p), p.name) for p in photos[:3]],
        aspect="9:16",
        seconds=1,
        transition="slide_left",
        title="Lisbon 里斯本 🚋",
    )
    info = probe(out)
    assert info["size"] == (360, 640)  # preview: a third of 1080x1920
    assert abs(info["vdur"] - same.duration_ms() / 1000) <= 1 / 30 + 1e-6
    assert info["acodec"] == "aac" and abs(info["adur"] - info["vdur"]) < 0.06
    assert str(out) in capsys.readouterr().out


def test_render_a_draft_with_relative_paths(photos, tmp_path: Path):
    proj = tmp_path / "proj"
    (proj / "pics").mkdir(parents=True)
    for p in photos[:2]:
        shutil.copyfile(p, proj / "pics" / p.name)
    doc = {
        "m": {"width": 320, "height": 180, "fps": 25, "fit": "cover"},
        "t": [
            {
                "tt": 0,
                "sg": [
                    {
                        "d": 800,
                        "m": {
                            "src": f"pics/{p.name}",
                            "fx": {"type": "zoom_in"},
                            "tr": {"type": "dip_black", "d": 200},
                        },
                    }
                    for p in photos[:2]
                ],
            }
        ],
    }
    (proj / "draft.json").write_text(json.dumps(doc))
    out = tmp_path / "d.mp4"
    assert main(["render", str(proj / "draft.json"), "-o", str(out)]) == 0
    info = probe(out)
    assert info["size"] == (320, 180) and info["fps"] == 25 and abs(info["vdur"] - 1.4) <= 0.04


@pytest.mark.parametrize(
    "case",
    [
        "missing_photo",
        "bad_json",
        "invalid_draft",
        "media_id",
        "corrupt_photo",
        "no_folder",
        "output_is_input",
        "missing_draft",
        "bad_music",
    ],
)
def test_bad_input_exits_non_zero_with_one_clear_line(photos, tmp_path: Path, capsys, case):
    draft = tmp_path / "d.json"
    out = tmp_path / "o.mp4"
    good = {
        "m": {"width": 320, "height": 180},
        "t": [{"tt": 0, "sg": [{"d": 500, "m": {"src": str(photos[0])}}]}],
    }
    if case == "missing_photo":
        argv, words = ["slideshow", str(tmp_path / "nope.jpg"), "-o", str(out)], "nope.jpg"
    elif case == "bad_json":
        draft.write_text("{not json")
        argv, words = ["render", str(draft), "-o", str(out)], "not valid"
    elif case == "invalid_draft":
        good["t"][0]["sg"][0]["d"] = -5
        draft.write_text(json.dumps(good))
        argv, words = ["render", str(draft), "-o", str(out)], "t[0].sg[0].d"
    elif case == "media_id":
        good["t"][0]["sg"][0]["m"]["src"] = "media:abc123"
        draft.write_text(json.dumps(good))
        argv, words = ["render", str(draft), "-o", str(out)], "media:abc123"
    elif case == "corrupt_photo":
        bad = tmp_path / "broken.jpg"
        bad.write_bytes(b"\xff\xd8\xff garbage")
        argv, words = ["slideshow", str(photos[0]), str(bad), "-o", str(out)], "broken.jpg"
    elif case == "no_folder":
        argv, words = ["slideshow", str(photos[0]), "-o", str(tmp_path / "no" / "o.mp4")], "does not exist"
    elif case == "output_is_input":
        argv, words = ["slideshow", str(photos[0]), str(photos[1]), "-o", str(photos[1])], "one of the inputs"
    elif case == "missing_draft":
        argv, words = ["render", str(tmp_path / "none.json"), "-o", str(out)], "does not exist"
    else:
        bad = tmp_path / "song.mp3"
        bad.write_bytes(b"not a song" * 50)
        argv, words = ["slideshow", str(photos[0]), "--music", str(bad), "-o", str(out)], "song.mp3"
    before = {p: p.read_bytes() for p in photos}
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("nemodesk-cli: ") and words in err and "Traceback" not in err, err
    assert not out.exists()
    assert all(p.read_bytes() == b for p, b in before.items())  # inputs untouched


def test_unknown_choice_is_an_argparse_error(photos, tmp_path: Path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["slideshow", str(photos[0]), "--aspect", "3:2", "-o", str(tmp_path / "o.mp4")])
    assert exc.value.code == 2
