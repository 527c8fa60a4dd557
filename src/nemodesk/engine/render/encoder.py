"""MP4 writing: H.264 High yuv420p tagged BT.709, AAC 48 kHz stereo, fast-start, a keyframe every <= 2 s.

A hardware H.264 encoder is used when one actually works: FFmpeg builds list NVENC/QSV/AMF even on machines
without the hardware, so each candidate must encode one frame before it is trusted.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

log = logging.getLogger(__name__)

HW_ENCODERS = ("h264_videotoolbox", "h264_nvenc", "h264_qsv", "h264_amf", "h264_mf")
AUDIO_RATE = 48_000
AAC_FRAME = 1024
EXPORT_CRF = "20"
EXPORT_PRESET = "medium"
PREVIEW_PRESET = "ultrafast"
PREVIEW_CRF = "26"

_probe_lock = threading.Lock()
_probed: dict[str, bool] = {}


def _hw_options(name: str, height: int) -> dict[str, str]:
    rate = str(max(4, round(height / 1080 * 12))) + "M"
    if name == "h264_nvenc":
        return {"preset": "p5", "rc": "vbr", "cq": "21", "profile": "high", "b:v": rate}
    if name == "h264_videotoolbox":
        return {"profile": "high", "b:v": rate}
    if name == "h264_qsv":
        return {"preset": "medium", "global_quality": "21", "profile": "high"}
    if name == "h264_amf":
        return {"quality": "quality", "rc": "vbr_peak", "profile": "high", "b:v": rate}
    return {"b:v": rate}


def x264_options(preview: bool) -> dict[str, str]:
    if preview:
        return {"preset": PREVIEW_PRESET, "crf": PREVIEW_CRF}
    return {"preset": EXPORT_PRESET, "crf": EXPORT_CRF, "profile": "high"}


def probe_encoder(name: str) -> bool:
    """True when `name` is built in and encodes one small frame here (cached per process)."""
    with _probe_lock:
        if name in _probed:
            return _probed[name]
        ok = False
        if name in av.codecs_available:
            try:
                cc = av.CodecContext.create(name, "w")
                cc.width, cc.height, cc.pix_fmt = 256, 144, "yuv420p"
                cc.time_base = Fraction(1, 30)
                cc.framerate = Fraction(30, 1)
                cc.options = _hw_options(name, 144) if name in HW_ENCODERS else {}
                cc.open()
                frame = av.VideoFrame.from_ndarray(np.zeros((144, 256, 3), np.uint8), format="rgb24")
                frame = frame.reformat(format="yuv420p")
                frame.pts = 0
                packets = list(cc.encode(frame)) + list(cc.encode(None))
                ok = any(p.size > 0 for p in packets)
            except Exception as err:  # any failure means "not usable here": we fall back, never fail
                log.debug("encoder %s unusable: %s", name, err)
                ok = False
        _probed[name] = ok
        return ok


def pick_video_encoder(preview: bool = False, candidates: tuple[str, ...] = HW_ENCODERS) -> str:
    """The first working hardware encoder, else libx264. NEMODESK_ENCODER forces one (e.g. benchmarks)."""
    forced = os.environ.get("NEMODESK_ENCODER")
    if forced:
        return forced
    if preview:
        return "libx264"  # ultrafast x264 at a third of the size is already quicker than the painting
    for name in candidates:
        if probe_encoder(name):
            return name
    return "libx264"


@dataclass
class VideoSettings:
    width: int
    height: int
    fps: float
    preview: bool = False
    encoder: str = "libx264"


def _rate(fps: float) -> Fraction:
    return Fraction(fps).limit_denominator(1001)


def configure_video_stream(out: av.container.OutputContainer, vs: VideoSettings) -> av.VideoStream:
    """Add the H.264 stream; also used by the benchmark's floor so both share exactly these settings."""
    rate = _rate(vs.fps)
    stream = out.add_stream(vs.encoder, rate=rate)
    stream.width, stream.height, stream.pix_fmt = vs.width, vs.height, "yuv420p"
    cc = stream.codec_context
    cc.time_base = 1 / rate
    cc.gop_size = max(
        1, int(2 * float(rate))
    )  # a keyframe at least every 2 s, for seeking and upload checkers
    cc.color_primaries = 1  # BT.709
    cc.color_trc = 1
    cc.colorspace = 1
    cc.color_range = 1  # limited ("tv") range, what every player expects for H.264
    if vs.encoder == "libx264":
        cc.thread_type = "FRAME"  # frame threads keep both cores busy; sliced threads cost quality and speed
        cc.thread_count = 0
        stream.options = x264_options(vs.preview)
        # x264's own keyframe distance follows gop_size: a keyframe at least every 2 s
        params = f"keyint={cc.gop_size}:min-keyint={max(1, cc.gop_size // 2)}"
        if not vs.preview:
            # mbtree shifts quality between frames along the motion it predicts; on a slow Ken Burns that
            # reads as the picture pulsing (it doubled the measured jitter). Steady quality costs ~1.5x bits.
            params += ":mbtree=0"
        stream.options["x264-params"] = params
    else:
        stream.options = _hw_options(vs.encoder, vs.height)
    return stream


_CONVERT = {"format": "yuv420p", "src_colorspace": "ITU709", "dst_colorspace": "ITU709", "dst_color_range": 1}


class FrameCanvas:
    """A BGRA video frame that a QImage paints into directly, converted to yuv420p per frame.

    Painting into the frame's own memory and reusing one frame (and so one swscale context) halves the
    cost of getting a picture to the encoder compared with copying an array into a fresh frame each time.
    """

    def __init__(self, width: int, height: int):
        from PySide6.QtGui import QImage

        self.frame = av.VideoFrame(width, height, "bgra")
        plane = self.frame.planes[0]
        self._mem = memoryview(plane)
        self.image = QImage(self._mem, width, height, plane.line_size, QImage.Format.Format_RGB32)

    def to_yuv(self) -> av.VideoFrame:
        """BT.709, limited range: what the stream is tagged with."""
        return self.frame.reformat(**_CONVERT)


def rgb32_to_frame(arr: np.ndarray) -> av.VideoFrame:
    """B G R A pixels (a QImage's RGB32 memory) to a yuv420p frame, BT.709 limited range."""
    return av.VideoFrame.from_ndarray(arr, format="bgra").reformat(**_CONVERT)


class Mp4Writer:
    """One MP4 file: video frames pushed in order, the soundtrack muxed alongside as video advances."""

    def __init__(self, path: Path, vs: VideoSettings, soundtrack: np.ndarray | None = None):
        self.path = path
        self.vs = vs
        self.container = av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"})
        try:
            self.video = configure_video_stream(self.container, vs)
            self.audio = self.container.add_stream("aac", rate=AUDIO_RATE, layout="stereo")
            self.audio.options = {"b": "192k"} if not vs.preview else {"b": "128k"}
        except Exception:
            self.container.close()
            raise
        self.soundtrack: np.ndarray | None = None
        if soundtrack is not None:
            self.set_soundtrack(soundtrack)
        self.audio_pos = 0
        self.frames = 0

    def set_soundtrack(self, soundtrack: np.ndarray) -> None:
        """The (2, n) float32 48 kHz mix; may arrive after the first video frames (it is mixed in parallel)."""
        self.soundtrack = np.ascontiguousarray(soundtrack, dtype=np.float32)

    def _audio_until(self, samples: int) -> None:
        if self.soundtrack is None:
            return  # the muxer holds the video packets until audio catches up
        total = self.soundtrack.shape[1]
        samples = min(samples, total)
        while self.audio_pos < samples:
            n = min(AAC_FRAME, total - self.audio_pos)
            chunk = self.soundtrack[:, self.audio_pos : self.audio_pos + n]
            if n < AAC_FRAME:
                chunk = np.pad(chunk, ((0, 0), (0, AAC_FRAME - n)))
            af = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="fltp", layout="stereo")
            af.sample_rate = AUDIO_RATE
            af.pts = self.audio_pos
            af.time_base = Fraction(1, AUDIO_RATE)
            self.container.mux(self.audio.encode(af))
            self.audio_pos += n

    def write(self, frame: av.VideoFrame) -> None:
        frame.pts = self.frames
        frame.time_base = self.video.codec_context.time_base
        self.container.mux(self.video.encode(frame))
        self.frames += 1
        self._audio_until(int(self.frames / self.vs.fps * AUDIO_RATE))

    def finish(self) -> None:
        assert self.soundtrack is not None, "set_soundtrack() before finish()"
        self.container.mux(self.video.encode(None))
        self._audio_until(self.soundtrack.shape[1])
        self.container.mux(self.audio.encode(None))
        self.container.close()

    def abort(self) -> None:
        try:
            self.container.close()
        except Exception:  # closing a half-written file may complain; it is deleted next anyway
            pass
