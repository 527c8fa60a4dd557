"""Uploads: multipart `files` (several per request), content sniffing, size caps, HEIC -> JPEG, progress."""

from __future__ import annotations

import hashlib
import itertools

import pytest

from helpers_nemo import make_client, run
from nemodesk.core import nemo_errors as ne
from nemodesk.core.uploads import sniff

pytest_plugins = ["nemo_fixtures"]


def upload(server, paths, **kw):
    progress = []

    async def go():
        async with make_client(server, **kw) as c:
            s = await c.create_session()
            files = await c.upload(s.session_id, paths, progress=lambda a, b: progress.append((a, b)))
            return s, files

    s, files = run(go())
    return s, files, progress


def upload_calls(server):
    return [r for r in server.requests if r.path.startswith("/api/upload-video/")]


def test_several_files_in_one_multipart_request_with_progress(nemo_server, photos, music):
    paths = [*photos[:3], music]
    s, files, progress = upload(nemo_server, paths)
    assert [f.filename for f in files] == ["rocket.jpg", "coffee.png", "chelsea.png", "music-120bpm.m4a"]
    assert [f.file_type for f in files] == ["image", "image", "image", "audio"]
    assert all(f.url and f.url.startswith(nemo_server.url) for f in files)
    assert len(upload_calls(nemo_server)) == 1
    assert upload_calls(nemo_server)[0].headers["content-type"].startswith("multipart/form-data")
    total = sum(p.stat().st_size for p in paths)
    assert progress[-1] == (total, total) and all(a <= b for (a, _), (b, _) in itertools.pairwise(progress))
    sizes = {f["filename"]: f["size"] for f in nemo_server.sessions[s.session_id].files}
    assert sizes["rocket.jpg"] == photos[0].stat().st_size


def test_type_comes_from_content_not_extension(nemo_server, photos, tmp_path):
    fake_jpg = tmp_path / "really_png.jpg"
    fake_jpg.write_bytes(photos[1].read_bytes())  # a PNG named .jpg
    _s, files, _ = upload(nemo_server, [fake_jpg])
    assert files[0].filename == "really_png.png"
    text = tmp_path / "notes.jpg"
    text.write_text("this is not a photo at all")
    with pytest.raises(ne.UnsupportedFile) as info:
        upload(nemo_server, [photos[0], text])
    assert "notes.jpg" in str(info.value) and "mp4" in str(info.value)
    assert not upload_calls(nemo_server)[1:]  # nothing sent when any file is bad


def test_oversized_file_refused_before_sending(nemo_server, tmp_path):
    big = tmp_path / "huge.mp4"
    with open(big, "wb") as fh:  # sparse: 201 MB on paper, nothing on disk
        fh.seek(201 * 1024 * 1024)
        fh.write(b"\0")
    with pytest.raises(ne.FileTooLarge) as info:
        upload(nemo_server, [big])
    assert "200 MB" in str(info.value) and "Compress" in str(info.value)
    assert not upload_calls(nemo_server)


def test_server_side_4001_and_4002(nemo_server, photos, tmp_path):
    nemo_server.faults.max_upload_bytes = 1000
    with pytest.raises(ne.FileTooLarge):
        upload(nemo_server, [photos[0]])
    heic = _heic(photos[0], tmp_path)
    nemo_server.faults.max_upload_bytes = 10**9
    with pytest.raises(
        ne.UnsupportedFile
    ) as info:  # the local engine gets HEIC as-is; this server refuses it
        upload(nemo_server, [heic], is_local=True)
    assert "Supported formats" in str(info.value)


def _heic(src, tmp_path):
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    out = tmp_path / "IMG_0001.HEIC"
    with Image.open(src) as im:
        im.save(out, format="HEIF")
    return out


def test_heic_is_converted_to_jpeg_for_the_cloud(nemo_server, photos, tmp_path):
    heic = _heic(photos[0], tmp_path)
    before = hashlib.sha256(heic.read_bytes()).hexdigest()
    assert sniff(heic)[0] == "heic"
    _s, files, _ = upload(nemo_server, [heic])
    assert files[0].filename == "IMG_0001.jpg" and files[0].file_type == "image"
    assert hashlib.sha256(heic.read_bytes()).hexdigest() == before


def test_response_variant_and_lost_session_retry(nemo_server, photos):
    nemo_server.faults.upload_form = "uploaded_files"
    s, files, _ = upload(nemo_server, [photos[0]])
    assert files[0].url.endswith("/rocket.jpg")
    nemo_server.reset()

    async def go():
        async with make_client(nemo_server) as c:
            s = await c.create_session()
            nemo_server.faults.lose_session = True
            files = await c.upload(s.session_id, [photos[0]])
            return s, files

    s, files = run(go())
    assert files and len(nemo_server.sessions) == 1 and s.session_id not in nemo_server.sessions


def test_upload_by_url(nemo_server):
    async def go():
        async with make_client(nemo_server) as c:
            s = await c.create_session()
            return await c.upload_urls(s.session_id, ["https://example.com/a.jpg"])

    assert run(go())[0].filename == "a.jpg"


def test_video_and_audio_sniffing(media_dir, tmp_path):
    from nemo_test_server import make_mp4

    mp4 = tmp_path / "clip.bin"
    mp4.write_bytes(make_mp4())
    assert sniff(mp4) == ("mp4", "video/mp4", "video")
    assert sniff(media_dir / "music-120bpm.m4a") == ("m4a", "audio/mp4", "audio")
