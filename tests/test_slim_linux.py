"""The Linux bundle's diet (packaging/slim_linux.py), run on the real libraries of this environment's wheels.

Each step is applied to copies of the installed PySide6 and PyAV libraries, and the result is judged the
way the frozen app judges it: by the self-test's `icu` and `encoders` checks, in a fresh interpreter that
loads the slimmed copies.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import av
import PySide6
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))
import slim_linux  # noqa: E402

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the diet is for the Linux bundle"
)
# The build's tools. A developer's machine may lack them (the tests then say which to install and skip);
# CI installs them in .ci/run, and there a missing one fails instead of skipping.
MISSING_TOOLS = [t for t in ("icupkg", "gcc", "as", "ld", "readelf", "nm") if shutil.which(t) is None]
if MISSING_TOOLS and sys.platform.startswith("linux") and not os.environ.get("CI"):
    pytest.skip(
        f"needs {', '.join(MISSING_TOOLS)} (Debian: apt-get install binutils gcc icu-devtools)",
        allow_module_level=True,
    )

QT_LIB = Path(PySide6.__file__).parent / "Qt" / "lib"
AV_DIR = Path(av.__file__).parent
AV_LIBS = AV_DIR.parent / "av.libs"


def self_test(check: str, tmp: Path, **env: str) -> dict:
    """Run one self-test check in a new interpreter with extra environment; return its report entry."""
    report = tmp / f"report-{check}.json"
    proc = subprocess.run(
        [sys.executable, "-m", "nemodesk", "--self-test", "--only", check, "--report", str(report)],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert report.exists(), proc.stderr[-2000:]
    (entry,) = json.loads(report.read_text())["checks"]
    assert (proc.returncode == 0) == entry["ok"]
    return entry


@pytest.mark.parametrize(
    ("item", "dropped"),
    [
        ("root.res", False),
        ("en.res", False),
        ("en_GB.res", False),
        ("zh_Hans_CN.res", False),
        ("zh_Hant_TW.res", False),
        ("fr.res", True),
        ("ff_Adlm.res", True),
        ("coll/zh.res", False),
        ("coll/ucadata.icu", False),
        ("coll/fr.res", True),
        ("zone/zh.res", False),
        ("zone/pool.res", False),
        ("lang/de.res", True),
        ("res_index.res", False),
        ("supplementalData.res", False),
        ("zoneinfo64.res", False),
        ("metaZones.res", False),
        ("plurals.res", False),
        ("icuver.res", False),
        ("cnvalias.icu", False),
        ("gb18030.cnv", False),
        ("ibm-943_P15A-2003.cnv", False),
        ("ibm-37_P100-1995.cnv", True),  # EBCDIC
        ("brkitr/cjdict.dict", True),
        ("brkitr/root.res", True),
        ("translit/root.res", True),
    ],
)
def test_icu_item_choice(item: str, dropped: bool):
    assert (item in slim_linux.icu_items_to_drop([item])) is dropped


def slim_icu_copy(tmp: Path) -> Path:
    lib_dir = tmp / "icu"
    lib_dir.mkdir()
    (lib,) = QT_LIB.glob("libicudata.so.*")
    copy = lib_dir / lib.name
    shutil.copy2(lib, copy)
    work = tmp / "work"
    work.mkdir()
    saved = slim_linux.slim_icu_library(copy, work)
    assert saved > 20e6 and copy.stat().st_size < 10e6, (saved, copy.stat().st_size)
    return lib_dir


def test_slimmed_icu_still_collates_chinese_and_names_zones(tmp_path: Path):
    lib_dir = slim_icu_copy(tmp_path)
    entry = self_test("icu", tmp_path, LD_LIBRARY_PATH=str(lib_dir))
    assert entry["ok"], entry["detail"]
    assert "中国标准时间" in entry["detail"]


def test_icu_check_fails_when_chinese_data_is_gone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The self-test's icu check is what vouches for the slimmed data: it must catch a missing locale."""
    monkeypatch.setattr(
        slim_linux, "_KEPT_LOCALE_ITEM", slim_linux.re.compile(r"^(?:root|en)(?:_\w+)*\.res$")
    )
    lib_dir = slim_icu_copy(tmp_path)
    entry = self_test("icu", tmp_path, LD_LIBRARY_PATH=str(lib_dir))
    assert not entry["ok"]
    assert "pinyin" in entry["detail"]


def test_rebuilt_icu_library_keeps_name_and_symbol(tmp_path: Path):
    lib_dir = slim_icu_copy(tmp_path)
    (lib,) = lib_dir.iterdir()
    (original,) = QT_LIB.glob("libicudata.so.*")
    assert slim_linux.soname(lib) == slim_linux.soname(original)
    assert slim_linux.read_icu_data(lib).symbol == slim_linux.read_icu_data(original).symbol


def av_copy(tmp: Path) -> Path:
    site = tmp / "site"
    site.mkdir()
    shutil.copytree(AV_DIR, site / "av")
    shutil.copytree(AV_LIBS, site / "av.libs")
    return site


def test_stubbed_encoders_refuse_and_h264_still_encodes(tmp_path: Path):
    site = av_copy(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    saved = slim_linux.stub_encoders(site, work)
    assert saved > 20e6
    entry = self_test("encoders", tmp_path, PYTHONPATH=str(site))
    assert entry["ok"], entry["detail"]
    assert "libx265 refuses" in entry["detail"] and "libsvtav1 refuses" in entry["detail"]


def test_the_unstubbed_encoders_work_here(tmp_path: Path):
    """The control for the test above: the same check, on the wheel as installed, sees working encoders."""
    entry = self_test("encoders", tmp_path)
    assert entry["ok"] and "libx265 works" in entry["detail"], entry["detail"]


def test_a_stub_lacking_an_imported_symbol_fails_the_build(tmp_path: Path):
    (lib,) = AV_LIBS.glob("libSvtAv1Enc*")
    stub = next(s for s in slim_linux.ENCODER_STUBS if s.library == "libSvtAv1Enc")
    with pytest.raises(slim_linux.SlimError, match="svt_av1_enc_new_in_v9"):
        slim_linux.build_stub(stub, lib, {"svt_av1_enc_init", "svt_av1_enc_new_in_v9"}, tmp_path)


def test_x265_stub_takes_the_build_number_from_the_imports(tmp_path: Path):
    (lib,) = AV_LIBS.glob("libx265*")
    stub = slim_linux.ENCODER_STUBS[0]
    out = slim_linux.build_stub(stub, lib, {"x265_api_get_999"}, tmp_path)
    assert "x265_api_get_999" in slim_linux.dynamic_symbols(out, defined=True)
    assert slim_linux.soname(out) == slim_linux.soname(lib)
    with pytest.raises(slim_linux.SlimError, match="expected one import"):
        slim_linux.build_stub(stub, lib, {"x265_api_get_1", "x265_api_get_2"}, tmp_path)


def test_a_library_needing_a_dropped_qt_library_is_reported(tmp_path: Path):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    shutil.copy2(QT_LIB / "libQt6EglFsKmsSupport.so.6", bundle)
    shutil.copy2(QT_LIB / "libQt6Core.so.6", bundle)
    (problem,) = slim_linux.needs_of_dropped(bundle, {"Qt6EglFSDeviceIntegration", "Qt6Network"})
    assert problem == "libQt6EglFsKmsSupport.so.6: libQt6EglFSDeviceIntegration.so.6"
    shutil.copy2(QT_LIB / "libQt6EglFSDeviceIntegration.so.6", bundle)
    assert slim_linux.needs_of_dropped(bundle, {"Qt6EglFSDeviceIntegration"}) == []
