"""Undo and redo as JSON patches between drafts.

A patch is a list of operations `[path]` (delete) or `[path, value]` (set), `path` a list of dict keys and
list indices. Lists that change length are replaced whole; dicts and equal-length lists are descended, so
changing one photo's duration in a 1,000-photo draft stores a handful of numbers, not the draft.
Each entry also records a fingerprint of the draft it applies to: if the draft was changed by someone
else in between (the UI, a cloud fetch), undo refuses instead of corrupting it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

Op = list[Any]


def diff(a: Any, b: Any) -> list[Op]:
    """Operations that turn `a` into `b`."""
    ops: list[Op] = []
    _diff(a, b, [], ops)
    return ops


def _diff(a: Any, b: Any, path: list[Any], ops: list[Op]) -> None:
    if type(a) is dict and type(b) is dict:
        for k in a:
            if k not in b:
                ops.append([[*path, k]])
        for k, v in b.items():
            if k not in a:
                ops.append([[*path, k], v])
            elif a[k] != v:
                _diff(a[k], v, [*path, k], ops)
    elif type(a) is list and type(b) is list and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                _diff(x, y, [*path, i], ops)
    elif a != b or type(a) is not type(b):
        ops.append([path, b])


def apply(doc: Any, ops: list[Op]) -> Any:
    """Apply operations in place (the root may be replaced: use the returned value)."""
    for op in ops:
        path = op[0]
        if not path:
            doc = _clone(op[1])
            continue
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if len(op) == 1:
            del parent[path[-1]]
        else:
            parent[path[-1]] = _clone(op[1])
    return doc


def _clone(v: Any) -> Any:
    if isinstance(v, dict | list):
        return json.loads(json.dumps(v))
    return v


def fingerprint(doc: Any) -> str:
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def entry(before: Any, after: Any, label: str) -> dict[str, Any]:
    """An undo entry: the patch back from `after` to `before`."""
    return {"label": label, "patch": diff(after, before), "at": fingerprint(after)}
