"""The chat pane: what the user says, what the agent answers, as it streams.

The pane is a view of the controller's turn signals (see controller.py); it never talks to the network.
Partial text replaces itself as it grows and is then replaced by the final text (never shown twice).
The agent's GUI-speak ("click Export", "open the timeline", "drag photo 3 to the front") becomes links
under its message (core.routing.gui_actions) that do the thing here. Tool activity is one grey line;
keep-alive notices ("Still working...") and local answers (credits, status, export) are notices.

Keys: Enter sends, Shift+Enter adds a line, Up in an empty box recalls the last message. While a turn
runs the Send button is a Stop button: stopping cancels the turn and the message is never re-sent.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from nemodesk.core.draft import Draft
from nemodesk.core.routing import GuiAction, GuiKind, gui_actions
from nemodesk.ui.theme import colors

if TYPE_CHECKING:
    from nemodesk.ui.controller import AppController


@dataclass
class ChatEntry:
    role: str  # user | agent | app | activity | notice | error
    text: str
    final: bool = True
    actions: list[GuiAction] = field(default_factory=list)


class ChatInput(QPlainTextEdit):
    """Enter sends, Shift+Enter is a new line, Up in an empty box brings back the last message."""

    submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.last_sent = ""
        self.setTabChangesFocus(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 14)

    def keyPressEvent(self, e: QKeyEvent) -> None:
        enter = e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not (e.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            text = self.toPlainText().strip()
            if text:
                self.submitted.emit(text)
            e.accept()
            return
        if e.key() == Qt.Key.Key_Up and not self.toPlainText() and self.last_sent:
            self.setPlainText(self.last_sent)
            self.moveCursor(QTextCursor.MoveOperation.End)
            e.accept()
            return
        super().keyPressEvent(e)


class ChatPane(QWidget):
    """Transcript, suggestion chips, input and Send/Stop. See the module docstring."""

    actionTriggered = Signal(object)  # a GuiAction the user clicked, after the pane handled it

    def __init__(self, controller: AppController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.entries: list[ChatEntry] = []
        self._agent_entry: ChatEntry | None = None
        self._actions: list[GuiAction] = []
        self.busy = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        title = QLabel(self.tr("Chat"), self)
        title.setObjectName("paneTitle")
        lay.addWidget(title)
        self.view = QTextBrowser(self)
        self.view.setOpenLinks(False)
        self.view.setOpenExternalLinks(False)
        self.view.anchorClicked.connect(self._anchor)
        self.view.setAccessibleName(self.tr("Conversation"))
        lay.addWidget(self.view, 1)
        self.chips_box = QWidget(self)
        self.chips = QVBoxLayout(self.chips_box)
        self.chips.setContentsMargins(0, 0, 0, 0)
        self.chips.setSpacing(4)
        lay.addWidget(self.chips_box)
        row = QHBoxLayout()
        self.input = ChatInput(self)
        self.input.setPlaceholderText(
            self.tr("Describe the video you want… (Enter sends, Shift+Enter for a new line)")
        )
        self.input.setAccessibleName(self.tr("Message to the agent"))
        self.input.submitted.connect(self.send)
        row.addWidget(self.input, 1)
        self.send_button = QPushButton(self.tr("Send"), self)
        self.send_button.setAccessibleName(self.tr("Send or stop"))
        self.send_button.clicked.connect(self._send_or_stop)
        row.addWidget(self.send_button)
        lay.addLayout(row)
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(30)  # coalesce bursts of partial chunks into one repaint
        self._render_timer.timeout.connect(self._render)
        self._set_chips(self.starter_examples())
        c = controller
        c.turnStarted.connect(self._on_turn_started)
        c.agentText.connect(self._on_agent_text)
        c.activity.connect(lambda t: self._add("activity", t))
        c.notice.connect(lambda t: self._add("notice", t))
        c.appReply.connect(self._on_app_reply)
        c.errorShown.connect(lambda t: self._add("error", t))
        c.turnFinished.connect(self._on_turn_finished)
        c.draftChanged.connect(self._on_draft_changed)
        c.busyChanged.connect(self._set_busy)
        c.backendStatus.connect(
            lambda state, _text: self.send_button.setEnabled(state == "ready" or self.busy)
        )
        self.send_button.setEnabled(getattr(c, "ready", False))
        self._render()

    # ------------------------------------------------------------------------------------------ examples

    def starter_examples(self) -> list[str]:
        """The seeds' "Try saying" examples (translated)."""
        return [
            self.tr("turn my photos into a slideshow video with transitions and music"),
            self.tr("animate this image with a cinematic zoom and motion blur effect"),
            self.tr("convert five vacation photos in JPG format into a 1080p MP4"),
        ]

    def followup_examples(self) -> list[str]:
        return [
            self.tr("make it vertical for TikTok"),
            self.tr('add a title "My Trip"'),
            self.tr("export"),
        ]

    def _set_chips(self, examples: list[str]) -> None:
        while self.chips.count():
            w = self.chips.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        head = QLabel(self.tr("Try saying:"), self.chips_box)
        head.setObjectName("muted")
        self.chips.addWidget(head)
        for text in examples:
            b = QPushButton(text, self.chips_box)
            b.setObjectName("chip")
            b.setCursor(Qt.CursorShape.PointingHandCursor)
            b.setToolTip(self.tr("Send this message"))
            b.clicked.connect(lambda _=False, t=text: self.send(t))
            b.setEnabled(not self.busy)  # chips that arrive during a turn wait for it, like the others
            self.chips.addWidget(b)

    def chip_texts(self) -> list[str]:
        return [
            w.text()
            for i in range(self.chips.count())
            if isinstance(w := self.chips.itemAt(i).widget(), QPushButton)
        ]

    # -------------------------------------------------------------------------------------------- input

    def send(self, text: str) -> None:
        text = text.strip()
        if not text or self.busy:
            return
        if not getattr(self.controller, "ready", False):
            self._add("notice", self.tr("The backend is not ready yet; please wait a moment."))
            return
        self.input.last_sent = text
        self.input.clear()
        self.controller.submit(text)

    def _send_or_stop(self) -> None:
        if self.busy:
            self.controller.stop_turn()
        else:
            self.send(self.input.toPlainText())

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.send_button.setText(self.tr("Stop") if busy else self.tr("Send"))
        self.send_button.setToolTip(self.tr("Stop this turn (it will not be re-sent)") if busy else "")
        self.send_button.setEnabled(busy or getattr(self.controller, "ready", False))
        for i in range(self.chips.count()):
            w = self.chips.itemAt(i).widget()
            if isinstance(w, QPushButton):
                w.setEnabled(not busy)

    # ------------------------------------------------------------------------------------- turn signals

    def _on_turn_started(self, text: str) -> None:
        self._add("user", text)
        self._agent_entry = None

    def _on_agent_text(self, text: str, final: bool) -> None:
        if self._agent_entry is None:
            self._agent_entry = ChatEntry("agent", text, final)
            self.entries.append(self._agent_entry)
        else:
            self._agent_entry.text, self._agent_entry.final = text, final
        if final:
            self._agent_entry.actions = gui_actions(text)
            self._agent_entry = None  # a later text event starts a new bubble
        self._schedule()

    def _on_app_reply(self, text: str) -> None:
        self._add("app", text)

    def _on_turn_finished(self) -> None:
        if self._agent_entry is not None:
            self._agent_entry.final = True
            self._agent_entry.actions = gui_actions(self._agent_entry.text)
            self._agent_entry = None
        self._set_chips(self.followup_examples())
        self._schedule()

    def _on_draft_changed(self, draft: Draft | None) -> None:
        """Chips that fit the timeline: starters while it is empty (a new project), follow-ups once it has
        photos (after a chat turn, a project opened or recovered)."""
        video = draft.video_track() if draft is not None else None
        segs = video.segments if video is not None else []
        wanted = self.followup_examples() if segs else self.starter_examples()
        if self.chip_texts() != wanted:
            self._set_chips(wanted)

    def _add(self, role: str, text: str) -> None:
        if text:
            self.entries.append(ChatEntry(role, text))
            self._schedule()

    # ------------------------------------------------------------------------------------------ actions

    def _anchor(self, url: QUrl) -> None:
        if url.scheme() != "action":
            return
        try:
            action = self._actions[int(url.path() or url.host() or url.toString().split(":", 1)[1])]
        except (ValueError, IndexError):
            return
        self.perform(action)

    def perform(self, action: GuiAction) -> None:
        """Do what the agent's GUI-speak asked for."""
        c = self.controller
        if action.kind in (GuiKind.EXPORT,):
            c.submit_route("export")
        elif action.kind is GuiKind.SHOW_TIMELINE:
            c.showTimelineRequested.emit()
            c.submit_route("status")
        elif action.kind is GuiKind.FETCH_STATE:
            c.submit_route("status")
        elif action.kind is GuiKind.SEND_EDIT and action.message:
            self.send(action.message)
        elif action.kind is GuiKind.PERFORM:
            if action.route.value != "chat":
                c.submit_route(action.route.value)
            elif action.target:
                self.send(action.target)
        self.actionTriggered.emit(action)

    def action_label(self, a: GuiAction) -> str:
        if a.kind is GuiKind.EXPORT:
            return self.tr("Export the video")
        if a.kind is GuiKind.SHOW_TIMELINE:
            return self.tr("Show the timeline")
        if a.kind is GuiKind.FETCH_STATE:
            return self.tr("Refresh the timeline")
        if a.kind is GuiKind.SEND_EDIT:
            return self.tr("Do it: %1").replace("%1", a.message or "")
        return self.tr("Do it: %1").replace("%1", a.target or a.sentence)

    # ------------------------------------------------------------------------------------------- render

    def _schedule(self) -> None:
        if not self._render_timer.isActive():
            self._render_timer.start()

    def _render(self) -> None:
        c = colors()
        bar = self.view.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4
        self._actions = []
        parts = [f"<html><body style='color:{self.palette().text().color().name()}'>"]
        if not self.entries:
            parts.append(
                f"<p style='color:{c.muted.name()}'>"
                + html.escape(
                    self.tr(
                        "Drop photos in the tray, then tell the agent what video you "
                        "want. Try one of the examples below."
                    )
                )
                + "</p>"
            )
        for e in self.entries:
            body = html.escape(e.text).replace("\n", "<br>")
            if e.role == "user":
                parts.append(
                    f"<table width='100%' cellspacing='0' cellpadding='0'><tr><td width='15%'></td>"
                    f"<td bgcolor='{c.user_bubble.name()}' style='padding:8px'>{body}</td></tr></table>"
                    "<div style='font-size:4px'>&nbsp;</div>"
                )
            elif e.role in ("agent", "app"):
                who = self.tr("Agent") if e.role == "agent" else "NemoDesk"
                tail = "" if e.final else " …"
                links = ""
                for a in e.actions:
                    self._actions.append(a)
                    links += (
                        f"<br><a href='action:{len(self._actions) - 1}' style='color:{c.accent.name()}'>"
                        f"▶ {html.escape(self.action_label(a))}</a>"
                    )
                parts.append(
                    f"<table width='100%' cellspacing='0' cellpadding='0'><tr>"
                    f"<td bgcolor='{c.agent_bubble.name()}' style='padding:8px'>"
                    f"<span style='color:{c.muted.name()};font-size:small'>{who}</span><br>"
                    f"{body}{tail}{links}</td><td width='10%'></td></tr></table>"
                    "<div style='font-size:4px'>&nbsp;</div>"
                )
            elif e.role == "activity":
                parts.append(f"<p style='color:{c.muted.name()};font-size:small;margin:2px'>⚙ {body}</p>")
            elif e.role == "notice":
                parts.append(f"<p style='color:{c.muted.name()};margin:4px'><i>{body}</i></p>")
            elif e.role == "error":
                parts.append(f"<p style='color:{c.error.name()};margin:4px'>⚠ {body}</p>")
        parts.append("</body></html>")
        self.view.setHtml("".join(parts))
        if at_end:
            bar.setValue(bar.maximum())

    def transcript(self) -> str:
        """Plain text of the conversation (tests, copy), including what is waiting to be painted."""
        if self._render_timer.isActive():
            self._render_timer.stop()
            self._render()
        return self.view.toPlainText()

    def changeEvent(self, e: QEvent) -> None:
        if e.type() in (QEvent.Type.PaletteChange, QEvent.Type.LanguageChange):
            self._schedule()
        super().changeEvent(e)
