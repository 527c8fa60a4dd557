"""Camera moves, motion blur, fits and transitions, checked on painted frames (compositor) and one MP4."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers_render import decode_frames, photo_draft, probe, solid
from nemodesk.core.draft import TRANSITION_TYPES
from nemodesk.engine.render import Compositor, render
from nemodesk.engine.render.compositor import qimage_rgb


def frame(draft, t_ms: float) -> np.ndarray:
    with Compositor(draft, Path) as comp:
        return qimage_rgb(comp.frame_at(t_ms)).astype(np.int32)


def gradient(path: Path, w=640, h=360) -> Path:
    arr = np.zeros((h, w, 3), np.uint8)
    arr[..., 0] = np.linspace(0, 255, w)[None, :].astype(np.uint8)  # red grows to the right
    arr[..., 1] = np.linspace(0, 255, h)[:, None].astype(np.uint8)  # green grows downwards
    Image.fromarray(arr).save(path)
    return path


def target(path: Path, w=640, h=360) -> Path:
    """White card with a black square in the middle: zooming in makes the square take more of the frame."""
    arr = np.full((h, w, 3), 255, np.uint8)
    arr[h // 2 - 30 : h // 2 + 30, w // 2 - 30 : w // 2 + 30] = 0
    Image.fromarray(arr).save(path)
    return path


@pytest.mark.parametrize(
    ("fx", "channel", "sign"),
    [
        ("pan_left", 0, -1),
        ("pan_right", 0, 1),
        ("pan_up", 1, -1),
        ("pan_down", 1, 1),
    ],
)
def test_pans_move_the_view(tmp_path: Path, fx, channel, sign):
    draft = photo_draft([gradient(tmp_path / "g.png")], d=2000, fx=fx)
    start, end = frame(draft, 0)[..., channel].mean(), frame(draft, 1999)[..., channel].mean()
    assert sign * (end - start) > 10, (start, end)  # pan_right ends looking at the redder right side


@pytest.mark.parametrize(("fx", "grows"), [("zoom_in", True), ("zoom_out", False), ("kenburns", None)])
def test_zooms(tmp_path: Path, fx, grows):
    draft = photo_draft([target(tmp_path / "t.png")], d=2000, fx=fx)
    a, b = (frame(draft, t).mean(axis=2) < 128 for t in (0, 1999))
    if grows is None:
        assert a.mean() != b.mean()  # Ken Burns changes zoom too
    else:
        assert (b.mean() > a.mean() * 1.2) == grows and (a.mean() > b.mean() * 1.2) != grows


def test_motion_is_sub_pixel_not_stepped(tmp_path: Path):
    """A 3-pixel pan over 45 frames: whole-pixel stepping would repeat most frames; floats change all."""
    p = tmp_path / "noise.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (180, 320, 3), dtype=np.uint8)).save(p)
    draft = photo_draft([p], size=(320, 180), d=1500, fx="pan_right")
    draft.tracks[0].segments[0].fx.raw.update(
        {"from": [0.0, 0.0, 1.05], "to": [0.0094, 0.0, 1.05], "ease": "linear"}
    )
    with Compositor(draft, Path) as comp:
        frames = [qimage_rgb(comp.frame_at(i * 1000 / 30)).astype(np.int32) for i in range(45)]
    changed = [np.abs(a - b).sum() > 0 for a, b in itertools.pairwise(frames)]
    assert sum(changed) >= 42


def test_motion_blur_only_costs_when_moving(tmp_path: Path):
    p = tmp_path / "stripes.png"
    arr = np.zeros((180, 320, 3), np.uint8)
    arr[:, ::8] = 255
    arr[:, 1::8] = 255
    Image.fromarray(arr).save(p)
    fast = photo_draft([p], d=600, fx="pan_right", blur=1.0)
    fast.tracks[0].segments[0].fx.raw.update({"from": [-0.2, 0, 1.5], "to": [0.2, 0, 1.5], "ease": "linear"})
    sharp = fast.copy()
    sharp.tracks[0].segments[0].blur = 0.0
    with Compositor(fast, Path) as cb, Compositor(sharp, Path) as cs:
        vb, vs = cb._tracks[0][0], cs._tracks[0][0]
        assert cb._subframes(vb, 300) > 4 and cs._subframes(vs, 300) == 1
        fb, fs = qimage_rgb(cb.frame_at(300)).astype(float), qimage_rgb(cs.frame_at(300)).astype(float)
    # blurred stripes: far less horizontal contrast
    assert np.abs(np.diff(fb, axis=1)).mean() < 0.6 * np.abs(np.diff(fs, axis=1)).mean()
    still = photo_draft([p], d=600, fx="none", blur=1.0)
    with Compositor(still, Path) as c:
        assert c._subframes(c._tracks[0][0], 300) == 1  # a still photo costs nothing extra


RED, BLUE = (220, 30, 30), (30, 40, 220)


def _halves(f: np.ndarray, axis: int):
    h, w = f.shape[:2]
    if axis == 1:
        return f[:, : w // 2 - 8].reshape(-1, 3).mean(0), f[:, w // 2 + 8 :].reshape(-1, 3).mean(0)
    return f[: h // 2 - 8].reshape(-1, 3).mean(0), f[h // 2 + 8 :].reshape(-1, 3).mean(0)


def _is(c, col, tol=35):
    return bool(np.all(np.abs(np.asarray(c) - col) < tol))


@pytest.mark.parametrize("kind", TRANSITION_TYPES)
def test_every_transition(tmp_path: Path, kind):
    red, blue = solid(tmp_path / "r.png", RED), solid(tmp_path / "b.png", BLUE)
    draft = photo_draft([red, blue], d=1000, tr=kind, tr_ms=400)
    # overlap 600..1000 ms (none for a cut: the cut is at 1000 ms)
    before, mid, after = (frame(draft, t) for t in (300, 800, 1300 if kind != "cut" else 1500))
    assert _is(before.reshape(-1, 3).mean(0), RED) and _is(after.reshape(-1, 3).mean(0), BLUE)
    m = mid.reshape(-1, 3).mean(0)
    if kind == "cut":
        assert _is(m, RED)
        assert _is(frame(draft, 1001).reshape(-1, 3).mean(0), BLUE)
    elif kind in ("crossfade", "zoom", "blur"):
        assert 60 < m[0] < 190 and 60 < m[2] < 190, m
    elif kind == "dip_black":
        assert m.max() < 40, m
        assert frame(draft, 700).reshape(-1, 3).mean(0)[0] > 60  # red fading out
    else:
        first, second = {
            "slide_left": (RED, BLUE),
            "slide_right": (BLUE, RED),
            "wipe_left": (RED, BLUE),
            "wipe_right": (BLUE, RED),
            "slide_up": (RED, BLUE),
        }[kind]
        a, b = _halves(mid, 0 if kind == "slide_up" else 1)
        assert _is(a, first) and _is(b, second), (a, b)


def test_blur_fill_9_16_has_sharp_photo_in_middle_and_blurred_sides(tmp_path: Path):
    p = tmp_path / "checks.png"
    yy, xx = np.mgrid[0:300, 0:480]
    arr = np.where(((yy // 12 + xx // 12) % 2)[..., None] == 0, [250, 200, 40], [30, 60, 200]).astype(
        np.uint8
    )
    Image.fromarray(arr).save(p)
    out = tmp_path / "v.mp4"
    render(photo_draft([p], size=(180, 320), d=300, fit="blur"), out, resolve=Path)
    assert probe(out)["size"] == (180, 320)
    (f,) = decode_frames(out, [0.1])
    f = f.astype(float)
    mid = f[140:180, 10:170]  # the photo (480x300 -> 180x112, centred)
    top, bottom = f[10:90, 10:170], f[230:310, 10:170]
    edges = lambda a: np.abs(np.diff(a, axis=1)).mean()  # noqa: E731
    assert edges(mid) > 5 * edges(top) and edges(mid) > 5 * edges(bottom)
    assert top.mean() > 25 and bottom.mean() > 25  # a dimmed copy of the photo, not black bars


def test_cinematic_zoom_for_a_single_photo(tmp_path: Path):
    p = target(tmp_path / "t.png")
    draft = photo_draft([p], d=3000, fx="zoom_in")
    with Compositor(draft, Path) as comp:
        v = comp._tracks[0][0]
        zs = [v.move.at(i / 10)[2] for i in range(11)]
    assert zs[0] == 1.0 and zs[-1] == pytest.approx(1.3)
    steps = np.diff(zs)
    assert steps[0] < steps[5] / 5 and steps[-1] < steps[5] / 5  # eased at both ends, fastest mid-way
