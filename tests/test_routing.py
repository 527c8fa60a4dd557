"""The protocol's routing table (English + Chinese) and the GUI-speak mapping."""

from __future__ import annotations

import pytest

from nemodesk.core.routing import GuiKind, Route, gui_actions, route


@pytest.mark.parametrize(
    ("msg", "expected"),
    [
        ("export", Route.EXPORT),
        ("Export it please", Route.EXPORT),
        ("导出", Route.EXPORT),
        ("download", Route.EXPORT),
        ("send me the video", Route.EXPORT),
        ("帮我导出视频", Route.EXPORT),
        ("credits", Route.CREDITS),
        ("how many credits do I have?", Route.CREDITS),
        ("积分", Route.CREDITS),
        ("balance", Route.CREDITS),
        ("余额", Route.CREDITS),
        ("status", Route.STATUS),
        ("状态", Route.STATUS),
        ("show tracks", Route.STATUS),
        ("upload", Route.UPLOAD),
        ("上传", Route.UPLOAD),
        ("turn my photos into a slideshow video with transitions and music", Route.CHAT),
        ("add a title that says Export ready", Route.CHAT),
        ("添加背景音乐", Route.CHAT),
        ("make the music balance softer", Route.CHAT),
        ("", Route.CHAT),
        ("exporter", Route.CHAT),
    ],
)
def test_route_table(msg, expected):
    assert route(msg) == expected


def test_dropped_files_are_an_upload():
    assert route("make a slideshow", files=["a.jpg"]) == Route.UPLOAD


def test_gui_speak_mapping():
    text = (
        "Done! Click **Export** to download your video. You can preview in timeline below. "
        "Drag photo 3 to the front if you like. Open the project panel to see details. "
        'Click the "Add Music" button to pick a song. 点击导出。请打开项目。拖拽第二张照片到最前面。'
    )
    acts = gui_actions(text)
    kinds = [a.kind for a in acts]
    assert kinds == [
        GuiKind.EXPORT,
        GuiKind.SHOW_TIMELINE,
        GuiKind.SEND_EDIT,
        GuiKind.FETCH_STATE,
        GuiKind.PERFORM,
        GuiKind.EXPORT,
        GuiKind.FETCH_STATE,
        GuiKind.SEND_EDIT,
    ]
    assert acts[2].message == "move photo 3 to the front if you like."
    assert acts[4].target == "Add Music" and acts[4].route == Route.CHAT
    assert acts[7].message.startswith("移动第二张")


def test_plain_text_has_no_actions():
    assert gui_actions("Your slideshow has 6 photos with crossfades.") == []
