"""The photo tray: drops, folders, order, removal, badges with reasons, thumbnails off the GUI thread."""

from __future__ import annotations

import shutil

import pytest
from PIL import Image
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView

from helpers_ui import drop_files
from nemodesk.core import paths
from nemodesk.ui import qt_photo_tray
from nemodesk.ui.qt_photo_tray import PhotoTray, check_file
from nemodesk.ui.tasks import TaskRunner


@pytest.fixture
def tray(qtbot):
    runner = TaskRunner()
    w = PhotoTray(runner)
    qtbot.addWidget(w)
    w.resize(400, 500)
    w.show()
    yield w
    runner.shutdown()
    runner.deleteLater()


def settle(qtbot, tray: PhotoTray, count: int) -> None:
    qtbot.waitUntil(lambda: tray.list.count() == count and tray.checking == 0, timeout=20_000)


def test_dropped_files_are_listed_in_drop_order_and_checked(qtbot, tray, photos):
    drop_files(tray.list, photos[:3])
    settle(qtbot, tray, 3)
    assert tray.paths() == [p.absolute() for p in photos[:3]]
    assert all(d.state == "ok" and d.thumb is not None for d in tray.item_data())
    total = sum(p.stat().st_size for p in photos[:3])
    assert tray.summary.text().startswith("3 file")
    assert f"{total / 1024:.1f} KB" in tray.summary.text()
    # thumbnails are cached by content hash
    assert len(list((paths.cache_dir() / "thumbs").glob("*.png"))) == 3


def test_folder_drop_is_recursive_natural_order_and_skips_hidden(qtbot, tray, photos, tmp_path):
    root = tmp_path / "album"
    (root / "day 2").mkdir(parents=True)
    (root / ".hidden").mkdir()
    shutil.copy(photos[0], root / "img10.jpg")
    shutil.copy(photos[1], root / "img2.png")
    shutil.copy(photos[2], root / "day 2" / "cat.png")
    shutil.copy(photos[3], root / ".hidden" / "secret.png")
    drop_files(tray.list, [root])
    settle(qtbot, tray, 3)
    assert [p.relative_to(root).as_posix() for p in tray.paths()] == [
        "day 2/cat.png",
        "img2.png",
        "img10.jpg",
    ]


def test_same_file_twice_is_not_added_twice_and_a_copy_is_a_duplicate(qtbot, tray, photos, tmp_path):
    twin = tmp_path / "copy of rocket.jpg"
    shutil.copy(photos[0], twin)
    drop_files(tray.list, [photos[0]])
    settle(qtbot, tray, 1)
    messages = []
    tray.message.connect(messages.append)
    drop_files(tray.list, [photos[0], twin])
    settle(qtbot, tray, 2)
    assert messages and "already in the tray" in messages[0]
    d = tray.data_for(twin.absolute())
    assert d.badge == "Duplicate" and "rocket.jpg" in d.reason and not d.usable
    # removing the original makes the copy usable again
    tray.list.setCurrentRow(0)
    tray.remove_selected()
    assert tray.data_for(twin.absolute()).usable


def test_corrupt_unsupported_too_large_get_badges_with_reasons(qtbot, tray, photos, tmp_path, monkeypatch):
    corrupt = tmp_path / "broken.jpg"
    corrupt.write_bytes(photos[0].read_bytes()[:3000])  # a truncated JPEG
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo at all\n" * 20)
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 100)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    big = tmp_path / "big.png"
    shutil.copy(photos[1], big)
    monkeypatch.setattr(qt_photo_tray, "MAX_UPLOAD_BYTES", big.stat().st_size - 1)
    drop_files(tray.list, [corrupt, text, video, empty, big, photos[0]])
    settle(qtbot, tray, 6)
    by_name = {d.path.name: d for d in tray.item_data()}
    assert by_name["broken.jpg"].badge == "Corrupt" and "damaged" in by_name["broken.jpg"].reason
    assert by_name["notes.jpg"].badge == "Unsupported" and "JPEG, PNG" in by_name["notes.jpg"].reason
    assert by_name["clip.mp4"].badge == "Unsupported" and "video" in by_name["clip.mp4"].reason
    assert by_name["empty.png"].badge == "Corrupt" and "empty" in by_name["empty.png"].reason
    assert by_name["big.png"].badge == "Too large" and "200 MB" in by_name["big.png"].reason
    assert by_name["rocket.jpg"].usable
    assert tray.usable_paths() == [photos[0].absolute()]
    assert "5 with problems" in tray.summary.text()
    # the tooltip carries the reason too
    item = tray.list.item(0)
    assert "damaged" in item.toolTip()
    # the whole tray still paints with badges (no exception in the delegate)
    tray.grab()


def test_delete_key_removes_the_multi_selection(qtbot, tray, photos):
    drop_files(tray.list, photos[:4])
    settle(qtbot, tray, 4)
    tray.list.item(1).setSelected(True)
    tray.list.item(3).setSelected(True)
    tray.list.setFocus()
    qtbot.keyClick(tray.list, Qt.Key.Key_Delete)
    assert [p.name for p in tray.paths()] == [photos[0].name, photos[2].name]
    assert tray.summary.text().startswith("2 file")


def test_reorder_by_move_changes_the_upload_order(qtbot, tray, photos):
    drop_files(tray.list, photos[:3])
    settle(qtbot, tray, 3)
    changed = []
    tray.changed.connect(lambda: changed.append(1))
    tray.move(2, 0)
    assert [p.name for p in tray.paths()] == [photos[2].name, photos[0].name, photos[1].name]
    assert changed
    requested = []
    tray.uploadRequested.connect(requested.append)
    tray.request_upload()
    assert [p.name for p in requested[0]] == [photos[2].name, photos[0].name, photos[1].name]
    # an internal drag moves rows in the list's model, which the tray reports as a change too
    changed.clear()
    assert tray.list.model().moveRow(QModelIndex(), 0, QModelIndex(), 3)
    assert [p.name for p in tray.paths()] == [photos[0].name, photos[1].name, photos[2].name]
    assert changed
    assert tray.list.dragDropMode() == QAbstractItemView.DragDropMode.InternalMove


def test_upload_progress_done_and_failure_are_shown(qtbot, tray, photos):
    drop_files(tray.list, photos[:2])
    settle(qtbot, tray, 2)
    a, b = tray.paths()
    tray.set_upload_progress(a, 0.5)
    assert tray.data_for(a).upload == 0.5
    tray.set_uploaded(a, "media:abc")
    tray.set_upload_failed(b, "The file is too large.")
    assert tray.data_for(a).media_src == "media:abc" and tray.data_for(a).upload is None
    assert tray.data_for(b).badge == "Upload failed" and not tray.upload_button.isEnabled()
    tray.forget_uploads()
    assert tray.data_for(a).media_src == "" and tray.data_for(b).usable


def test_exif_rotation_and_heic_thumbnails_are_upright(tmp_path, photos):
    import pillow_heif

    pillow_heif.register_heif_opener()
    src = Image.open(photos[0]).convert("RGB")  # 640x427 landscape
    rotated = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    src.save(rotated, exif=exif)
    res = check_file(rotated)
    assert res.kind == "image" and res.thumb.height() > res.thumb.width()
    heic = tmp_path / "photo.heic"
    src.save(heic)
    res = check_file(heic)
    assert res.kind == "image" and res.thumb.width() > res.thumb.height()
    assert rotated.read_bytes()  # source untouched (still readable, never rewritten)


def test_music_is_accepted_as_audio(music):
    assert check_file(music).kind == "audio"
