"""The Linux bundle's diet: parts of third-party libraries that NemoDesk never uses, trimmed after PyInstaller.

PyInstaller takes a wheel's shared library whole or not at all. Three of them carry most of the weight over
the 250 MB budget, and each has a part NemoDesk provably never reaches:

- Qt's ICU data (`libicudata.so.73`, 32 MB): Qt calls ICU only for collation, time-zone display names,
  legacy text codecs and case mapping. ICU's own packaging tool (`icupkg`, Debian's `icu-devtools`) removes
  items from the data archive; we keep the root, English and Chinese locales (the languages NemoDesk speaks;
  others fall back to root, as ICU does for any missing locale), the common legacy codecs, and everything
  that is not per-locale. The archive is linked back into a library of the same name and symbol with `as`
  and `ld`, so Qt loads it exactly as before. About 6 MB remain.
- The HEVC and AV1 encoders that PyAV's libavcodec links (`libx265`, 20 MB; `libSvtAv1Enc`, 7 MB), though
  NemoDesk only encodes H.264: each is replaced by a small library (`packaging/stubs/*.c`, built with gcc)
  that exports the same symbols and answers "unavailable", so those two encoders fail to open with an
  FFmpeg error instead of being shipped.

Every step checks its premise and raises `SlimError` with the reason when the premise no longer holds (an
upgraded wheel that imports another symbol, an ICU data item that is not where it was): the build fails
rather than ship a library that would crash. The frozen self-test then proves the result: its `icu` check
sorts Chinese with Chinese collation and names a time zone in Chinese; its `encoders` check opens libx264
and confirms the stubbed encoders refuse cleanly.

Standard library and binutils/gcc/icupkg only: this runs from `packaging/build.py` before anything else is
installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

STUBS = Path(__file__).resolve().parent / "stubs"

# Locales whose ICU data ship: the root fallback and the languages NemoDesk's interface speaks.
ICU_KEEP_LOCALES = ("root", "en", "zh")
# Per-locale data lives in files named after the locale (`fr.res`, `zh_Hant_TW.res`, `coll/de.res`);
# everything else in the archive (supplementalData.res, zoneinfo64.res, ucadata.icu, cnvalias.icu, ...)
# is shared and always kept.
_LOCALE_ITEM = re.compile(r"^(?:[a-z]{2,3}|root)(?:_[A-Za-z0-9]+)*\.res$")
_KEPT_LOCALE_ITEM = re.compile(rf"^(?:{'|'.join(ICU_KEEP_LOCALES)})(?:_[A-Za-z0-9]+)*\.res$")
# Trees Qt never reaches: it calls no ICU break iterator (QTextBoundaryFinder and text layout are Qt's own)
# and no transliterator.
ICU_DROP_TREES = ("brkitr", "translit")
# Legacy codecs QStringDecoder can still open: the WHATWG encoding standard's single- and multi-byte
# encodings (what a file from the web or an older Windows may be in). The EBCDIC and other mainframe
# tables go. UTF-8/16/32, Latin-1 and ASCII are built into ICU's code, not data.
ICU_KEEP_CONVERTERS = frozenset(
    {
        "gb18030",  # GB18030
        "windows-936-2000",  # GBK
        "windows-950-2000",  # Big5
        "windows-949-2000",  # EUC-KR (as browsers read it)
        "ibm-970_P110_P110-2006_U2",  # EUC-KR (strict)
        "ibm-943_P15A-2003",  # Shift_JIS
        "ibm-33722_P12A_P12A-2009_U2",  # EUC-JP
        "euc-jp-2007",
        "jisx-212",  # part of ISO-2022-JP
        "ibm-5478_P100-1995",  # GB 2312, part of ISO-2022-CN
        "windows-874-2000",  # Thai
        "ibm-878_P100-1996",  # KOI8-R
        "ibm-1168_P100-2002",  # KOI8-U
        "ibm-866_P100-1995",  # IBM866
        "ibm-437_P100-1995",  # DOS
        "ibm-850_P100-1995",
        "macos-0_2-10.2",  # macintosh
        *(f"ibm-{n}_P100-1998" for n in (5346, 5347, 5349, 5350, 5351, 5352, 5353, 5354)),  # windows-125x
        "ibm-5348_P100-1997",  # windows-1252
        "ibm-912_P100-1995",  # ISO-8859-2
        "ibm-913_P100-2000",  # -3
        "ibm-914_P100-1995",  # -4
        "ibm-915_P100-1995",  # -5
        "ibm-1089_P100-1995",  # -6
        "ibm-9005_X110-2007",  # -7
        "ibm-5012_P100-1999",  # -8
        "ibm-920_P100-1995",  # -9
        "iso-8859_10-1998",
        "iso-8859_11-2001",
        "ibm-921_P100-1995",  # -13
        "iso-8859_14-1998",
        "ibm-923_P100-1998",  # -15
    }
)


class SlimError(RuntimeError):
    """A premise of the diet no longer holds; the message says which and what to change."""


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess[str]:
    tool = shutil.which(cmd[0])
    if tool is None:
        raise SlimError(f"{cmd[0]} is not installed (Debian: apt-get install binutils gcc icu-devtools)")
    proc = subprocess.run([tool, *cmd[1:]], capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise SlimError(f"{' '.join(cmd)} failed: {(proc.stderr or proc.stdout).strip()[-800:]}")
    return proc


def is_elf(path: Path) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


def needed(lib: Path) -> list[str]:
    """The DT_NEEDED names of an ELF file."""
    out = _run(["readelf", "-dW", str(lib)]).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def soname(lib: Path) -> str:
    out = _run(["readelf", "-dW", str(lib)]).stdout
    m = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", out)
    return m.group(1) if m else lib.name


def dynamic_symbols(lib: Path, *, defined: bool) -> set[str]:
    flag = "--defined-only" if defined else "--undefined-only"
    out = _run(["nm", "-D", flag, str(lib)]).stdout
    return {line.split()[-1].split("@")[0] for line in out.splitlines() if line.split()}


# ---------------------------------------------------------------------------------------------- ICU data


@dataclass(frozen=True)
class IcuData:
    symbol: str  # icudt73_dat
    package: str  # icudt73l: the archive's item prefix, which ICU checks
    data: bytes


def read_icu_data(lib: Path) -> IcuData:
    """The common data archive inside libicudata: the bytes of its one exported symbol."""
    syms = _run(["readelf", "-sW", "--dyn-syms", str(lib)]).stdout
    m = re.search(
        r"\s([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+OBJECT\s+GLOBAL\s+\w+\s+(\d+)\s+(icudt(\d+)_dat)\b", syms
    )
    if not m:
        raise SlimError(f"{lib.name} has no icudt<version>_dat symbol; ICU's data library has changed")
    addr, size = int(m.group(1), 16), int(m.group(2), 0)
    sections = _run(["readelf", "-SW", str(lib)]).stdout
    for s in re.finditer(r"\]\s+(\S+)\s+\w+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", sections):
        s_addr, s_off, s_size = (int(x, 16) for x in s.group(2, 3, 4))
        if s_addr <= addr and addr + size <= s_addr + s_size:
            with open(lib, "rb") as f:
                f.seek(s_off + addr - s_addr)
                data = f.read(size)
            if data[2:4] != b"\xda\x27":  # ICU's data header magic
                raise SlimError(f"{m.group(4)} in {lib.name} does not start with ICU's data header")
            return IcuData(m.group(4), f"icudt{m.group(5)}l", data)
    raise SlimError(f"cannot find the section holding {m.group(4)} in {lib.name}")


def icu_items_to_drop(items: Iterable[str]) -> list[str]:
    """Which archive items (`coll/fr.res`, `ibm-37_P100-1995.cnv`) NemoDesk's Qt never needs."""
    drop = []
    for item in items:
        tree, _, name = item.rpartition("/")
        if tree in ICU_DROP_TREES:
            drop.append(item)
        elif name.endswith(".cnv"):
            if name[:-4] not in ICU_KEEP_CONVERTERS:
                drop.append(item)
        elif name in ("pool.res", "res_index.res"):
            continue
        elif _LOCALE_ITEM.match(name) and not _KEPT_LOCALE_ITEM.match(name):
            drop.append(item)
    return drop


def repack_icu(icu: IcuData, work: Path) -> Path:
    """Write the slimmed archive; items that kept items depend on (icupkg names them) are put back."""
    src = work / "full" / f"{icu.package}.dat"
    out = work / "slim" / f"{icu.package}.dat"  # icupkg names the items after the output file: keep it
    src.parent.mkdir(parents=True, exist_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    src.write_bytes(icu.data)
    listing = work / "items.txt"
    _run(["icupkg", "-l", "-o", str(listing), str(src)])
    items = listing.read_text().split()
    drop = set(icu_items_to_drop(items))
    drop_list = work / "drop.txt"
    for _ in range(8):
        drop_list.write_text("\n".join(sorted(drop)) + "\n")
        out.unlink(missing_ok=True)
        proc = subprocess.run(
            ["icupkg", "-r", str(drop_list), str(src), str(out)], capture_output=True, text=True
        )
        missing = set(re.findall(r"depends on missing item (\S+)", proc.stdout + proc.stderr))
        if not missing and proc.returncode == 0 and out.exists():
            return out
        if not missing or not missing <= drop:
            raise SlimError(
                f"icupkg could not repack the ICU data: {(proc.stderr or proc.stdout).strip()[-800:]}"
            )
        drop -= missing
    raise SlimError("icupkg kept finding new dependencies of the kept ICU items")


def link_data_library(archive: Path, symbol: str, so_name: str, out: Path) -> None:
    """A shared library exporting `symbol` = the archive's bytes, as ICU's own build makes libicudata."""
    asm = archive.with_suffix(".s")
    asm.write_text(
        "\t.section .rodata\n"
        f"\t.globl {symbol}\n"
        f"\t.type {symbol}, @object\n"
        "\t.balign 16\n"
        f"{symbol}:\n"
        f'\t.incbin "{archive.name}"\n'
        f"\t.size {symbol}, . - {symbol}\n"
        '\t.section .note.GNU-stack,"",@progbits\n'
    )
    obj = archive.with_suffix(".o")
    _run(["as", "-o", str(obj), str(asm)], cwd=archive.parent)
    _run(["ld", "-shared", "-soname", so_name, "-o", str(out), str(obj)])


def slim_icu_library(lib: Path, work: Path) -> int:
    """Replace one libicudata in place with its slimmed archive; returns the bytes saved."""
    icu = read_icu_data(lib)
    archive = repack_icu(icu, work)
    new = work / lib.name
    link_data_library(archive, icu.symbol, soname(lib), new)
    if read_icu_data(new).data != archive.read_bytes():
        raise SlimError(f"the rebuilt {lib.name} does not hold the slimmed archive")
    before = lib.stat().st_size
    shutil.copymode(lib, new)
    new.replace(lib)
    return before - lib.stat().st_size


# ------------------------------------------------------------------------------------------ encoder stubs


@dataclass(frozen=True)
class EncoderStub:
    library: str  # the library's name before auditwheel's hash: libx265-f5385bb8.so.216 -> libx265
    source: str  # in packaging/stubs/
    defines: tuple[tuple[str, str], ...] = ()  # (macro, regex over the imported symbols) for -D


ENCODER_STUBS = (
    EncoderStub("libx265", "x265_stub.c", (("X265_API_GET", r"^x265_api_get_\d+$"),)),
    EncoderStub("libSvtAv1Enc", "svtav1_stub.c"),
)


def _library_base(name: str) -> str:
    return re.split(r"-[0-9a-f]{8}\.so|\.so", name, maxsplit=1)[0]


def elf_files(bundle: Path) -> list[Path]:
    return [p for p in sorted(bundle.rglob("*")) if is_elf(p)]


def needs_of(bundle: Path) -> dict[Path, list[str]]:
    """Every ELF file of the bundle with the libraries it needs: read once, for every step that asks."""
    return {p: needed(p) for p in elf_files(bundle)}


def build_stub(stub: EncoderStub, lib: Path, imported: set[str], work: Path) -> Path:
    """Compile the stand-in with the real library's soname; it must export everything that is imported."""
    args = []
    for macro, pattern in stub.defines:
        hits = sorted(s for s in imported if re.match(pattern, s))
        if len(hits) != 1:
            raise SlimError(f"expected one import matching {pattern} from {lib.name}, found {hits}")
        args.append(f"-D{macro}={hits[0]}")
    out = work / lib.name
    gcc = ["gcc", "-shared", "-fPIC", "-nostdlib", "-O2", "-s", *args, f"-Wl,-soname,{soname(lib)}"]
    _run([*gcc, "-o", str(out), str(STUBS / stub.source)])
    lacking = imported - dynamic_symbols(out, defined=True)
    if lacking:
        raise SlimError(
            f"{lib.name} is imported for {sorted(lacking)}, which packaging/stubs/{stub.source} does not define: "
            "a PyAV upgrade calls more of it; add them to the stub (each must fail) or ship the real library"
        )
    return out


def stub_encoders(bundle: Path, work: Path, needs: dict[Path, list[str]] | None = None) -> int:
    """Replace each encoder library in ENCODER_STUBS with its stand-in; returns the bytes saved."""
    needs = needs if needs is not None else needs_of(bundle)
    saved = 0
    for stub in ENCODER_STUBS:
        libs = [p for p in needs if _library_base(p.name) == stub.library]
        if len(libs) != 1:
            raise SlimError(f"expected one {stub.library} in the bundle, found {[p.name for p in libs]}")
        lib = libs[0]
        importers = [p for p, names in needs.items() if p != lib and lib.name in names]
        if not importers:
            raise SlimError(f"nothing in the bundle loads {lib.name}; drop it instead of stubbing it")
        exported = dynamic_symbols(lib, defined=True)
        imported = set().union(*(dynamic_symbols(p, defined=False) for p in importers)) & exported
        new = build_stub(stub, lib, imported, work)
        before = lib.stat().st_size
        shutil.copymode(lib, new)
        new.replace(lib)
        saved += before - lib.stat().st_size
    return saved


# ------------------------------------------------------------------------------------------------- all


def slim_bundle(bundle: Path, dropped_qt_libs: Iterable[str] = ()) -> dict[str, int]:
    """Every Linux diet step on a PyInstaller bundle; returns bytes saved per step."""
    needs = needs_of(bundle)
    dangling = needs_of_dropped(bundle, dropped_qt_libs, needs)
    if dangling:
        raise SlimError("shipped libraries need Qt libraries the spec leaves out: " + "; ".join(dangling))
    icu_libs = [p for p in needs if re.match(r"libicudata\.so\.\d+$", p.name)]
    if not icu_libs:
        raise SlimError("no libicudata in the bundle: Qt's ICU has moved; update packaging/slim_linux.py")
    saved = {"ICU data": 0}
    with tempfile.TemporaryDirectory(prefix="nemodesk-slim-") as tmp:
        for i, lib in enumerate(icu_libs):
            work = Path(tmp) / f"icu{i}"
            work.mkdir()
            saved["ICU data"] += slim_icu_library(lib, work)
        stubs = Path(tmp) / "stubs"
        stubs.mkdir()
        saved["HEVC/AV1 encoders"] = stub_encoders(bundle, stubs, needs)
    return saved


def needs_of_dropped(
    bundle: Path, dropped: Iterable[str], needs: dict[Path, list[str]] | None = None
) -> list[str]:
    """`file: library` for each shipped ELF that needs a library the spec left out (by base name)."""
    bases = {f"lib{d}" for d in dropped}
    present = {p.name for p in bundle.rglob("*")}
    return [
        f"{f.relative_to(bundle)}: {name}"
        for f, names in (needs if needs is not None else needs_of(bundle)).items()
        for name in names
        if name not in present and name.split(".so")[0] in bases
    ]
