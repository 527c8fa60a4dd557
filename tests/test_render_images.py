"""Photo decoding: every format, EXIF orientation, odd pixel modes, and the awkward or broken files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers_render import decode_frames, photo_draft, probe
from nemodesk.engine.render import Compositor, RenderError, render
from nemodesk.engine.render.compositor import qimage_rgb
from nemodesk.engine.render.images import load_photo, probe_photo

# upright test card: red top-left, green top-right, blue bottom-left, white bottom-right
QUAD = {"tl": (230, 20, 20), "tr": (20, 200, 20), "bl": (20, 20, 230), "br": (240, 240, 240)}
_INVERSE = {  # what to store so that applying EXIF orientation N gives the upright card
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def card(w=240, h=160) -> Image.Image:
    im = Image.new("RGB", (w, h))
    for key, box in (
        ("tl", (0, 0, w // 2, h // 2)),
        ("tr", (w // 2, 0, w, h // 2)),
        ("bl", (0, h // 2, w // 2, h)),
        ("br", (w // 2, h // 2, w, h)),
    ):
        im.paste(QUAD[key], box)
    return im


def quadrants_ok(arr: np.ndarray, tol=45) -> bool:
    h, w = arr.shape[:2]
    pts = {
        "tl": (h // 4, w // 4),
        "tr": (h // 4, 3 * w // 4),
        "bl": (3 * h // 4, w // 4),
        "br": (3 * h // 4, 3 * w // 4),
    }
    return all(np.all(np.abs(arr[y, x, :3].astype(int) - QUAD[k]) < tol) for k, (y, x) in pts.items())


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_lands_upright(tmp_path: Path, orientation: int):
    upright = card()
    stored = upright.transpose(_INVERSE[orientation]) if orientation != 1 else upright
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"o{orientation}.jpg"
    stored.save(path, quality=95, exif=exif)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    assert (probe_photo(path, "x").width, probe_photo(path, "x").height) == (240, 160)
    im = load_photo(path, "x", None)
    assert im.size == (240, 160) and quadrants_ok(np.asarray(im))
    # and through the compositor (contain on a 3:2 canvas shows the whole card)
    draft = photo_draft([path], size=(300, 200), fit="contain")
    with Compositor(draft, Path) as comp:
        frame = qimage_rgb(comp.frame_at(100))
    assert quadrants_ok(frame)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # the source is never written


def _formats(tmp_path: Path) -> dict[str, Path]:
    base = card()
    out = {}
    for ext, kw in (("png", {}), ("webp", {"quality": 95}), ("bmp", {}), ("tiff", {}), ("gif", {})):
        out[ext] = tmp_path / f"c.{ext}"
        base.save(out[ext], **kw)
    out["heic"] = tmp_path / "c.heic"
    import pillow_heif

    pillow_heif.register_heif_opener()
    base.save(out["heic"], quality=95)
    # animated WEBP and GIF: the first frame is the card, the second is black
    for ext in ("webp", "gif"):
        p = tmp_path / f"anim.{ext}"
        base.save(p, save_all=True, append_images=[Image.new("RGB", base.size)], duration=100, loop=0)
        out[f"anim_{ext}"] = p
    out["cmyk"] = tmp_path / "cmyk.jpg"
    base.convert("CMYK").save(out["cmyk"], quality=95)
    out["palette"] = tmp_path / "pal.png"
    base.convert("P", palette=Image.Palette.ADAPTIVE, colors=8).save(out["palette"])
    # 16-bit: a 48-bit PNG can't be made by Pillow, a 16-bit grey one can
    arr16 = (np.asarray(base.convert("L"), np.uint16) * 257).astype(np.uint16)
    out["grey16"] = tmp_path / "g16.png"
    Image.fromarray(arr16).save(out["grey16"])
    return out


def test_formats_and_pixel_modes_decode(tmp_path: Path):
    f = _formats(tmp_path)
    for key, path in f.items():
        im = load_photo(path, key, None)
        assert im.mode in ("RGB", "RGBA") and im.size == (240, 160), key
        arr = np.asarray(im.convert("RGB"))
        if key == "grey16":
            # grey: brightness order of the quadrants survives the 16 -> 8 bit step (no clipping to white)
            lum = [arr[40, 60].mean(), arr[40, 180].mean(), arr[120, 60].mean(), arr[120, 180].mean()]
            assert max(lum) > 200 and min(lum) < 60, lum
        else:
            assert quadrants_ok(arr, tol=60), key


def test_alpha_is_composited_over_the_fill(tmp_path: Path):
    im = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    im.paste((255, 255, 0, 255), (50, 50, 150, 150))
    path = tmp_path / "alpha.png"
    im.save(path)
    draft = photo_draft([path], size=(200, 200), fit="contain")
    with Compositor(draft, Path) as comp:
        frame = qimage_rgb(comp.frame_at(0))
    assert np.all(np.abs(frame[100, 100].astype(int) - (255, 255, 0)) < 10)
    assert frame[10, 10].max() < 10  # transparent area shows the (black) fill, not garbage


def test_huge_photo_is_decoded_small(tmp_path: Path):
    path = tmp_path / "big.jpg"
    Image.new("RGB", (8000, 6000), (90, 120, 150)).save(path, quality=80)
    im = load_photo(path, "big", (480, 270))
    assert im.size[0] <= 1000 and im.size[1] <= 1000  # JPEG draft + resize, not a 48 MP bitmap


def test_damaged_empty_and_missing_files_name_the_photo(photos, tmp_path: Path):
    corrupt = tmp_path / "broken.jpg"
    corrupt.write_bytes(photos[0].read_bytes()[:2000])  # truncated JPEG: header fine, data cut
    garbage = tmp_path / "garbage.png"
    garbage.write_bytes(b"this is not a picture at all" * 10)
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    gone = tmp_path / "gone.jpg"
    for bad, words in (
        (corrupt, "broken.jpg"),
        (garbage, "damaged or not an image"),
        (empty, "empty"),
        (gone, "no longer exists"),
    ):
        out = tmp_path / "o.mp4"
        with pytest.raises(RenderError) as exc:
            render(photo_draft([photos[1], bad]), out, resolve=Path)
        msg = str(exc.value)
        assert bad.name in msg and words in msg and "t[0].sg[1]" in msg, msg
        assert exc.value.action
        assert not out.exists()


def test_photo_vanishing_mid_render_fails_cleanly(photos, tmp_path: Path):
    p = tmp_path / "soon_gone.jpg"
    p.write_bytes(photos[0].read_bytes())
    out = tmp_path / "o.mp4"
    draft = photo_draft([photos[1], p], d=15000, size=(64, 36))  # photo 2 is beyond the decode-ahead window

    def progress(pr):
        # The first report comes with frame 1; photo 2 (at 15 s) is far beyond what the compositor has
        # decoded by then. Waiting for a later report made this depend on the machine's speed.
        if p.exists():
            p.unlink()

    with pytest.raises(RenderError, match=r"soon_gone\.jpg"):
        render(draft, out, resolve=Path, progress=progress)
    assert not out.exists() and not [x for x in tmp_path.iterdir() if ".part" in x.name]


def test_one_pixel_image_renders_as_its_colour(tmp_path: Path):
    p = tmp_path / "dot.png"
    Image.new("RGB", (1, 1), (10, 200, 90)).save(p)
    out = tmp_path / "dot.mp4"
    render(photo_draft([p], d=500, fit="blur", fx="kenburns"), out, resolve=Path)
    (f,) = decode_frames(out, [0.25])
    assert np.all(np.abs(f[90, 160].astype(int) - (10, 200, 90)) < 25)


def test_panorama_20_to_1(tmp_path: Path):
    p = tmp_path / "pano.jpg"
    arr = np.zeros((150, 3000, 3), np.uint8)
    arr[:, :, 0] = np.linspace(0, 255, 3000)[None, :]
    arr[:, :, 2] = 120
    Image.fromarray(arr).save(p, quality=92)
    for fit in ("blur", "cover", "contain"):
        out = tmp_path / f"pano_{fit}.mp4"
        render(photo_draft([p], d=400, fit=fit, fx="pan_right"), out, resolve=Path)
        assert probe(out)["size"] == (320, 180)
        (f,) = decode_frames(out, [0.2])
        if fit == "cover":
            assert f[:, :, 2].mean() > 90  # the panorama fills the frame
        else:
            assert f[90, :, 2].mean() > 90  # the strip across the middle is the panorama
