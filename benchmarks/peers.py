"""The same slideshow made the two common other ways, for comparison (benchmark-only dependencies).

- MoviePy 2.x: ImageClips cover-scaled once, a per-frame resize for the Ken Burns zoom, CrossFadeIn,
  a TextClip title, the music faded; written with libx264 medium/crf 20 like ours.
- ffmpeg (the binary imageio-ffmpeg ships): the usual recipe, crop to the aspect, upscale 4x (the trick that
  reduces zoompan's jitter), zoompan, an xfade chain, drawtext, afade; libx264 medium/crf 20.
Both do a centred 1.0 -> 1.2 zoom per photo: as close to our Ken Burns as each tool gets without hand work.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ZOOM_END = 1.2


def font_file() -> str:
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}", "DejaVu Sans:bold"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
        if out:
            return out
    except (OSError, subprocess.SubprocessError):
        pass
    return "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def moviepy_slideshow(
    photos: list[Path],
    music: Path | None,
    out: Path,
    size: tuple[int, int],
    seconds: float,
    tr_s: float,
    title: str | None,
    fps: float,
) -> None:
    from moviepy import AudioFileClip, CompositeVideoClip, ImageClip, TextClip, afx, vfx

    W, H = size
    clips = []
    start = 0.0
    for i, p in enumerate(photos):
        base = ImageClip(str(p))
        base = base.resized(
            max(W / base.w, H / base.h) * ZOOM_END
        )  # once, to the size at the end of the zoom

        def zoom(t: float, d: float = seconds) -> float:
            return (1 + (ZOOM_END - 1) * min(1.0, t / d)) / ZOOM_END

        clip = base.resized(zoom).with_duration(seconds).with_position("center").with_start(start)
        if i:
            clip = clip.with_effects([vfx.CrossFadeIn(tr_s)])
        clips.append(clip)
        start += seconds - tr_s
    total = start + tr_s
    layers = clips
    if title:
        layers = [
            *clips,
            TextClip(
                font=font_file(),
                text=title,
                font_size=H // 12,
                color="white",
                stroke_color="black",
                stroke_width=3,
            )
            .with_duration(min(3, total))
            .with_position("center"),
        ]
    video = CompositeVideoClip(layers, size=size).with_duration(total)
    if music is not None:
        audio = AudioFileClip(str(music)).subclipped(0, total)
        video = video.with_audio(audio.with_effects([afx.AudioFadeIn(0.5), afx.AudioFadeOut(2.0)]))
    video.write_videofile(
        str(out),
        fps=fps,
        codec="libx264",
        audio_codec="aac",
        preset="medium",
        ffmpeg_params=["-crf", "20", "-pix_fmt", "yuv420p"],
        threads=2,
        logger=None,
    )


def ffmpeg_zoompan_args(
    photos: list[Path],
    music: Path | None,
    out: Path,
    size: tuple[int, int],
    seconds: float,
    tr_s: float,
    title: str | None,
    fps: float,
) -> list[str]:
    import imageio_ffmpeg

    W, H = size
    n = round(seconds * fps)
    args = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error"]
    for p in photos:
        args += ["-i", str(p)]
    if music is not None:
        args += ["-i", str(music)]
    parts = []
    for i in range(len(photos)):
        parts.append(
            f"[{i}:v]crop=w='min(iw,ih*{W}/{H})':h='min(ih,iw*{H}/{W})',scale={4 * W}:-2,"
            f"zoompan=z='1+{ZOOM_END - 1}*on/{max(1, n - 1)}':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)'"
            f":d={n}:s={W}x{H}:fps={fps},setsar=1,format=yuv420p,settb=1/{fps}[v{i}]"
        )
    last = "v0"
    for i in range(1, len(photos)):
        offset = i * (seconds - tr_s)
        parts.append(f"[{last}][v{i}]xfade=transition=fade:duration={tr_s}:offset={offset:.3f}[x{i}]")
        last = f"x{i}"
    total = len(photos) * seconds - (len(photos) - 1) * tr_s
    if title:
        text = title.replace("'", "").replace(":", "\\:")
        parts.append(
            f"[{last}]drawtext=fontfile='{font_file()}':text='{text}':fontcolor=white:fontsize={H // 12}"
            f":borderw=3:bordercolor=black:x=(w-text_w)/2:y=(h-text_h)/2:enable='lt(t,3)'[vout]"
        )
        last = "vout"
    maps = ["-map", f"[{last}]"]
    if music is not None:
        parts.append(
            f"[{len(photos)}:a]atrim=0:{total:.3f},afade=t=in:d=0.5,"
            f"afade=t=out:st={max(0.0, total - 2):.3f}:d=2,aresample=48000[a]"
        )
        maps += ["-map", "[a]", "-c:a", "aac", "-b:a", "192k"]
    return [
        *args,
        "-filter_complex",
        ";".join(parts),
        *maps,
        "-c:v",
        "libx264",
        "-preset",
        "medium",
        "-crf",
        "20",
        "-pix_fmt",
        "yuv420p",
        "-r",
        str(fps),
        "-t",
        f"{total:.3f}",
        "-movflags",
        "+faststart",
        str(out),
    ]


def ffmpeg_zoom_clip_args(
    photo: Path, out: Path, size: tuple[int, int], seconds: float, fps: float
) -> list[str]:
    """One photo, centred linear zoom 1.0 -> 1.2: the clip whose jitter is compared with ours."""
    return ffmpeg_zoompan_args([photo], None, out, size, seconds, 0.0, None, fps)
