"""Camera moves over a photo: every `fx` type of draft-format.md, eased, in floating point.

A camera is (x, y, zoom): the point of the fitted photo at offset (x, y) (fractions of its width and height
from its centre) is shown at the canvas centre, magnified `zoom` times. Nothing here is rounded to pixels:
the transform goes to QPainter as floats, which is what keeps a slow pan free of the stepping that
ffmpeg's zoompan shows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from nemodesk.core.draft import Effect

Camera = tuple[float, float, float]


def _smoothstep(p: float) -> float:
    return p * p * (3.0 - 2.0 * p)


def _smootherstep(p: float) -> float:
    return p * p * p * (p * (6.0 * p - 15.0) + 10.0)


EASINGS: dict[str, Callable[[float], float]] = {
    "linear": lambda p: p,
    "in": lambda p: p * p,
    "out": lambda p: 1.0 - (1.0 - p) * (1.0 - p),
    "inout": _smoothstep,
    "cinematic": _smootherstep,
}

# Default moves when a draft names a type without from/to. Ken Burns varies with the photo's index so a
# slideshow does not repeat one move; the pan types travel 16 % of the photo at a zoom that keeps edges hidden.
_KENBURNS = [
    ((-0.04, -0.02, 1.05), (0.04, 0.02, 1.22)),
    ((0.04, 0.03, 1.22), (-0.03, -0.02, 1.05)),
    ((0.03, -0.03, 1.06), (-0.04, 0.02, 1.2)),
    ((-0.03, 0.03, 1.2), (0.04, -0.02, 1.06)),
]
_PRESETS: dict[str, tuple[Camera, Camera]] = {
    "none": ((0.0, 0.0, 1.0), (0.0, 0.0, 1.0)),
    "zoom_in": ((0.0, 0.0, 1.0), (0.0, 0.0, 1.2)),
    "zoom_out": ((0.0, 0.0, 1.2), (0.0, 0.0, 1.0)),
    "pan_left": ((0.08, 0.0, 1.2), (-0.08, 0.0, 1.2)),
    "pan_right": ((-0.08, 0.0, 1.2), (0.08, 0.0, 1.2)),
    "pan_up": ((0.0, 0.08, 1.2), (0.0, -0.08, 1.2)),
    "pan_down": ((0.0, -0.08, 1.2), (0.0, 0.08, 1.2)),
}
# The single-photo "cinematic zoom": a slow push-in, eased at both ends with zero acceleration at rest.
CINEMATIC: tuple[Camera, Camera] = ((0.0, 0.0, 1.0), (0.0, 0.0, 1.3))


@dataclass(frozen=True)
class Move:
    start: Camera
    end: Camera
    ease: Callable[[float], float]

    @property
    def still(self) -> bool:
        return self.start == self.end

    @property
    def max_zoom(self) -> float:
        return max(self.start[2], self.end[2])

    def at(self, p: float) -> Camera:
        e = self.ease(min(1.0, max(0.0, p)))
        a, b = self.start, self.end
        return (a[0] + (b[0] - a[0]) * e, a[1] + (b[1] - a[1]) * e, a[2] + (b[2] - a[2]) * e)


def _clamp(cam: Camera, cover_x: float, cover_y: float) -> Camera:
    """Keep the view inside the photo: `cover_x` is canvas width / fitted photo width (and y alike).

    Clamping the two ends is enough: with both ends inside, every point between them is too (the allowed
    region |x| <= 1/2 - cover/(2 zoom) is convex in (x, zoom) and both axes share one eased parameter).
    """
    x, y, z = cam
    lim_x = max(0.0, 0.5 - cover_x / (2.0 * z))
    lim_y = max(0.0, 0.5 - cover_y / (2.0 * z))
    return (min(lim_x, max(-lim_x, x)), min(lim_y, max(-lim_y, y)), z)


def move_for(fx: Effect | None, index: int, single: bool, cover: tuple[float, float]) -> Move:
    """The eased camera path of one segment. `single` marks a one-photo draft: zoom_in becomes cinematic."""
    if fx is None or (fx.type == "none" and fx.start is None and fx.end is None):
        return Move((0.0, 0.0, 1.0), (0.0, 0.0, 1.0), EASINGS["linear"])
    kind = fx.type
    ease_name = fx.ease
    if kind == "kenburns":
        start, end = _KENBURNS[index % len(_KENBURNS)]
    elif single and kind == "zoom_in" and fx.start is None and fx.end is None:
        start, end = CINEMATIC
        if fx.raw.get("ease") is None:
            ease_name = "cinematic"
    else:
        start, end = _PRESETS.get(kind, _PRESETS["none"])
    if fx.start is not None:
        start = tuple(float(v) for v in fx.start)  # type: ignore[assignment]
    if fx.end is not None:
        end = tuple(float(v) for v in fx.end)  # type: ignore[assignment]
    start, end = _clamp(start, *cover), _clamp(end, *cover)
    return Move(start, end, EASINGS.get(ease_name, _smoothstep))


def corner_speed(move: Move, p0: float, p1: float, half_w: float, half_h: float) -> float:
    """How far (output px) a canvas corner's content moves between progress p0 and p1: sets motion blur."""
    x0, y0, z0 = move.at(p0)
    x1, y1, z1 = move.at(p1)
    # A corner shows photo point c/z + (x, y); its image moves by the change of that point times zoom.
    dx = abs(half_w * 2 * (x1 - x0) * z1) + abs(half_w * (1 - z1 / z0))
    dy = abs(half_h * 2 * (y1 - y0) * z1) + abs(half_h * (1 - z1 / z0))
    return math.hypot(dx, dy)
