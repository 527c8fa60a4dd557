"""Undo and redo as JSON patches between drafts.

A patch is a list of operations `[path]` (delete) or `[path, value]` (set), `path` a list of dict keys and
list indices. Lists that change length are replaced whole; dicts and equal-length lists are descended, so
changing one photo's duration in a 1,000-photo draft stores a handful of numbers, not the draft. When most
elements of a list of dicts change the same fields (every photo's duration and start, every photo's
effect), those fields are stored as columns, `[path, {COLS: [[field path, [value of each element]], ...]}]`:
a fraction of the size of one operation per value, and quicker to check and apply.

Each entry also holds a hash of the values its paths had right after the edit (`check`) and the shape of
the draft (tracks and segment counts): if someone else changed the draft in between (the UI, a cloud
fetch), undo refuses instead of patching a draft the patch was not made for. Reading the values at the
patch's paths costs time in proportion to the patch, not to the draft.
"""

from __future__ import annotations

import hashlib
import json
import marshal
from typing import Any

Op = list[Any]
_MISSING = {"__missing__": True}  # JSON-safe marker for "no value at this path"
_ABSENT = object()
PICK = "$nemodesk_pick"  # op value {PICK: [old indices]}: rebuild a list from its own elements
COLS = "$nemodesk_cols"  # op value {COLS: [[field path, [values]], ...]}: element i gets field = values[i]
MIN_COLUMN_ROWS = 8  # fewer changed elements than this are stored one operation per value


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
    elif type(a) is list and type(b) is list and _reordered(a, b, path, ops):
        return
    elif type(a) is list and type(b) is list and len(a) == len(b):
        if _columns(a, b, path, ops):
            return
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                _diff(x, y, [*path, i], ops)
    elif a != b or type(a) is not type(b):
        ops.append([path, b])


def _columns(a: list[Any], b: list[Any], path: list[Any], ops: list[Op]) -> bool:
    """Equal-length lists of dicts where most elements changed the same fields (every photo's duration
    and start, every photo's effect): one COLS op with a column of values per changed field, the few
    changes that do not fit element by element after it. False when columns do not pay."""
    n = len(a)
    if n < MIN_COLUMN_ROWS or type(b[0]) is not dict:
        return False
    changed = [i for i in range(n) if a[i] != b[i]]
    if len(changed) < max(MIN_COLUMN_ROWS, n // 2):
        return False
    row_ops: list[tuple[int, list[Op]]] = []
    candidates: dict[tuple[Any, ...], None] = {}  # relative paths of plain value changes
    for i in changed:
        sub: list[Op] = []
        _diff(a[i], b[i], [], sub)
        row_ops.append((i, sub))
        for op in sub:
            if op[0] and len(op) == 2 and not _is_special(op):
                candidates[tuple(op[0])] = None
    rels = sorted(candidates, key=len)  # parents before their children
    after = _pluck(b, rels)
    before = _pluck([a[i] for i in changed], rels)  # unchanged rows are equal in a and b
    cols = {
        rel: values
        for rel, values, old in zip(rels, after, before, strict=True)
        if not any(v is _MISSING for v in values) and not any(v is _MISSING for v in old)
    }  # fields every row has, before and after: a column; the rest stays element by element
    if not cols:
        return False
    ops.append([path, {COLS: [[list(rel), values] for rel, values in cols.items()]}])
    for i, sub in row_ops:
        for op in sub:
            if tuple(op[0]) not in cols:
                ops.append([[*path, i, *op[0]], *op[1:]])
    return True


def _pluck(rows: list[Any], rels: list[tuple[Any, ...]]) -> list[list[Any]]:
    """`[[get(row, rel) for row in rows] for rel in rels]`, resolving each shared parent path once per
    row (an effect's from/to values share their parents)."""
    parents = sorted({rel[:i] for rel in rels for i in range(1, len(rel))}, key=len)
    out: list[list[Any]] = [[] for _ in rels]
    for row in rows:
        at: dict[tuple[Any, ...], Any] = {(): row}
        for p in parents:
            at[p] = _step(at[p[:-1]], p[-1])
        for values, rel in zip(out, rels, strict=True):
            values.append(_step(at[rel[:-1]], rel[-1]))
    return out


def _step(cur: Any, key: Any) -> Any:
    """One level of `get`."""
    t = type(cur)
    if t is dict and type(key) is str and cur is not _MISSING:
        return cur.get(key, _MISSING)
    if t is list and type(key) is int and 0 <= key < len(cur):
        return cur[key]
    return _MISSING


def _key(x: Any) -> Any:
    """Identity of a list element across edits: a segment by its media, a track by its type and name."""
    if type(x) is dict:
        m = x.get("m")
        if "tt" in x and "sg" in x:
            return f"track:{x.get('tt')}:{m.get('name') if type(m) is dict else ''}"
        if type(m) is dict and m.get("src") is not None:
            return f"src:{m.get('src')}"
    return None


def _reordered(a: list[Any], b: list[Any], path: list[Any], ops: list[Op]) -> bool:
    """Segments moved or removed, tracks added: one PICK op (new[i] = old[idx[i]]) plus what is left.

    Without this, moving the first of 1,000 photos to the end (or adding a title track beside them)
    would store all 1,000 segments.
    """
    if not b or (len(a) == len(b) and len(a) < 8):
        return False
    keys_a = [_key(x) for x in a]
    keys_b = [_key(x) for x in b]
    if keys_a == keys_b or all(k is None for k in keys_b):
        return False
    pool: dict[Any, list[int]] = {}
    for j in range(len(a) - 1, -1, -1):
        if keys_a[j] is not None:
            pool.setdefault(keys_a[j], []).append(j)
    idx = [pool[k].pop() if k is not None and pool.get(k) else -1 for k in keys_b]
    ops.append([path, {PICK: idx}])
    for i, j in enumerate(idx):
        if j < 0:
            ops.append([[*path, i], b[i]])
        elif a[j] != b[i]:
            _diff(a[j], b[i], [*path, i], ops)
    return True


def get(doc: Any, path: list[Any]) -> Any:
    """The value at `path`, or the missing marker."""
    cur = doc
    for key in path:
        t = type(cur)
        if t is dict and type(key) is str:
            cur = cur.get(key, _ABSENT)
            if cur is _ABSENT:
                return _MISSING
        elif t is list and type(key) is int and 0 <= key < len(cur):
            cur = cur[key]
        else:
            return _MISSING
    return cur


def apply(doc: Any, ops: list[Op]) -> Any:
    """Apply operations in place (the root may be replaced: use the returned value). Values are copied."""
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
        elif _is_pick(op) and len(op[1]) == 1:
            old = parent[path[-1]]
            parent[path[-1]] = [old[j] if j >= 0 else None for j in op[1][PICK]]
        elif _is_cols(op):
            rows = parent[path[-1]]
            for rel, values in op[1][COLS]:
                for row, v in zip(rows, values, strict=True):
                    target = row
                    for key in rel[:-1]:
                        target = target[key]
                    target[rel[-1]] = _clone(v)
        else:
            parent[path[-1]] = _clone(op[1])
    return doc


def clone(doc: Any) -> Any:
    """A deep copy of a JSON document. marshal (version 2: no shared references) copies a 1,000-photo
    draft in a third of the time of a JSON round trip, floats and all."""
    return marshal.loads(marshal.dumps(doc, 2))


def _clone(v: Any) -> Any:
    if isinstance(v, dict | list):
        return clone(v)
    return v


def shape(doc: Any) -> list[Any]:
    tracks = doc.get("t") if isinstance(doc, dict) else None
    return [[t.get("tt"), len(t.get("sg") or [])] for t in tracks or [] if isinstance(t, dict)]


def _norm(v: Any) -> Any:
    """3000.0 and 3000 are the same number to diff (==) and must be to the check too."""
    if type(v) is float and v.is_integer():
        return int(v)
    if type(v) is dict:
        return {k: _norm(x) for k, x in v.items()}
    if type(v) is list:
        return [_norm(x) for x in v]
    return v


def _is_pick(op: Op) -> bool:
    return len(op) == 2 and type(op[1]) is dict and PICK in op[1]


def _is_cols(op: Op) -> bool:
    return len(op) == 2 and type(op[1]) is dict and len(op[1]) == 1 and type(op[1].get(COLS)) is list


def _is_special(op: Op) -> bool:
    return _is_pick(op) or _is_cols(op)


def _check(doc: Any, ops: list[Op]) -> str:
    values = []
    for op in ops:
        v = get(doc, op[0])
        if _is_pick(op) and type(v) is list:
            v = [_key(x) for x in v]  # a reordered list is identified by its order; its elements by later ops
        elif _is_cols(op) and type(v) is list:
            rels = [tuple(rel) for rel, _values in op[1][COLS]]
            v = [[list(rel), values] for rel, values in zip(rels, _pluck(v, rels), strict=True)]
        values.append(v)
    values = _norm(values)
    text = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def entry(before: Any, after: Any, label: str) -> dict[str, Any]:
    """An undo entry: the patch back from `after` to `before`."""
    patch = diff(after, before)
    return _entry(after, patch, label)


def _entry(doc: Any, patch: list[Op], label: str) -> dict[str, Any]:
    return {"label": label, "patch": patch, "check": _check(doc, patch), "shape": shape(doc)}


def matches(doc: Any, e: dict[str, Any]) -> bool:
    """Whether `e` was made for this draft (nothing changed it since)."""
    patch = e.get("patch")
    if not isinstance(patch, list):
        return False
    return e.get("shape") == shape(doc) and e.get("check") == _check(doc, patch)


def step(doc: Any, e: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Apply entry `e` to a copy of `doc`: (the restored document, the entry that goes back again)."""
    restored = apply(clone(doc), e["patch"])
    return restored, _entry(restored, diff(restored, doc), str(e.get("label", "")))


def size(e: dict[str, Any]) -> int:
    return len(json.dumps(e.get("patch"), separators=(",", ":"), ensure_ascii=False))
