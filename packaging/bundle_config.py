"""What goes into the frozen NemoDesk, in plain Python the spec and the tests both read.

`nemodesk.spec` is executed by PyInstaller with globals of its own, so the decisions worth testing (names,
version, macOS Info.plist, which Qt modules and plugins ship) live here, where `tests/test_packaging.py` can
import them without running a build.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "resources" / "icons"

APP_NAME = "NemoDesk"
BUNDLE_ID = "ai.nemovideo.nemodesk"
DOC_EXTENSION = "nemodesk"
DOC_UTI = "ai.nemovideo.nemodesk.project"
COPYRIGHT = "Copyright © The NemoDesk team. GPL-3.0-or-later."


# Size budgets in MB (10^6 bytes) by sys.platform: the unpacked bundle and its archive. `run.py build` fails
# when a build exceeds one, so a dependency upgrade that bloats the bundle is caught where it happens.
SIZE_BUDGET_MB: dict[str, dict[str, int]] = {"linux": {"bundle": 250, "archive": 110}}


def exe_name(platform: str = sys.platform) -> str:
    """The executable's name: lower case as Linux commands are, the product name elsewhere."""
    return "nemodesk" if platform.startswith("linux") else APP_NAME


def version() -> str:
    """The version from pyproject.toml, the one place it is written."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["version"]


def version_tuple(v: str | None = None) -> tuple[int, int, int, int]:
    """Four integers for the Windows VERSIONINFO resource (`0.1.0rc1` -> (0, 1, 0, 0))."""
    nums = [int(n) for n in re.findall(r"\d+", (v or version()).split("+")[0])[:3]]
    return (*nums, *[0] * (4 - len(nums)))  # type: ignore[return-value]


def windows_strings(v: str | None = None) -> dict[str, str]:
    """The StringFileInfo table Explorer shows under Properties > Details."""
    v = v or version()
    return {
        "CompanyName": "The NemoDesk team",
        "FileDescription": "NemoDesk: photos to video by chat",
        "FileVersion": v,
        "InternalName": APP_NAME,
        "LegalCopyright": COPYRIGHT,
        "OriginalFilename": f"{APP_NAME}.exe",
        "ProductName": APP_NAME,
        "ProductVersion": v,
    }


MACOS_MINIMUM = "14.0"


def info_plist(v: str | None = None) -> dict:
    """Info.plist keys for NemoDesk.app: Retina rendering, a real NSApplication, and .nemodesk documents."""
    v = v or version()
    return {
        "CFBundleName": APP_NAME,
        "CFBundleDisplayName": APP_NAME,
        "CFBundleIdentifier": BUNDLE_ID,
        "CFBundleShortVersionString": v,
        "CFBundleVersion": v,
        "CFBundlePackageType": "APPL",
        # The oldest macOS the bundled wheels run on: PySide6 6.11 is built for 13, and on a macOS 14+ build
        # runner pip picks numpy's wheels that link the macOS 14 Accelerate. Finder then says "needs a newer
        # macOS" instead of the app failing to start.
        "LSMinimumSystemVersion": MACOS_MINIMUM,
        "LSApplicationCategoryType": "public.app-category.video",
        "NSHighResolutionCapable": True,
        "NSPrincipalClass": "NSApplication",
        "NSRequiresAquaSystemAppearance": False,  # follow the system's dark mode
        "NSHumanReadableCopyright": COPYRIGHT,
        "UTExportedTypeDeclarations": [
            {
                "UTTypeIdentifier": DOC_UTI,
                "UTTypeDescription": "NemoDesk project",
                "UTTypeConformsTo": ["public.zip-archive", "public.data"],
                "UTTypeIconFile": "nemodesk.icns",
                "UTTypeTagSpecification": {
                    "public.filename-extension": [DOC_EXTENSION],
                    "public.mime-type": ["application/x-nemodesk"],
                },
            }
        ],
        "CFBundleDocumentTypes": [
            {
                "CFBundleTypeName": "NemoDesk project",
                "CFBundleTypeRole": "Editor",
                "CFBundleTypeExtensions": [DOC_EXTENSION],
                "CFBundleTypeIconFile": "nemodesk.icns",
                "LSHandlerRank": "Owner",
                "LSItemContentTypes": [DOC_UTI],
            }
        ],
    }


# Qt modules NemoDesk does not use. PyInstaller collects a Qt module's libraries, plugins and
# translations only when the module is imported, so excluding these keeps QML, Quick, SQL and friends out
# even if some dependency mentions them. The self-test imports every nemodesk module in the frozen app, so
# a module excluded here by mistake fails the self-test, not a user.
QT_EXCLUDES = [
    f"PySide6.{m}"
    for m in (
        "QtQml",
        "QtQuick",
        "QtQuickWidgets",
        "QtQuickControls2",
        "QtQuickTest",
        "QtQmlFeatures",
        "QtLabsStyleKit",
        "QtDesigner",
        "QtHelp",
        "QtUiTools",
        "QtSql",
        "QtTest",
        "QtXml",
        "QtPrintSupport",
        "QtNetwork",
        "QtOpenGL",
        "QtOpenGLWidgets",
        "QtConcurrent",
        "QtDBus",
        "QtSvgWidgets",
    )
]

# Python packages that are installed for development or only for a build, never needed at run time.
PY_EXCLUDES = [
    "tkinter",
    "_tkinter",
    "PyInstaller",
    "pytest",
    "_pytest",
    "hypothesis",
    "pytestqt",
    "moviepy",
    "imageio",
    "imageio_ffmpeg",
    "importlinter",
    "grimp",
    "ruff",
    "IPython",
    "matplotlib",
    "setuptools",
    "pkg_resources",
    "pip",
    "keyrings.alt",
    # Pillow parts for formats and toolkits NemoDesk does not read (AVIF alone brings a 5 MB libavif).
    "PIL._avif",
    "PIL.AvifImagePlugin",
    "PIL.ImageTk",
    "PIL._imagingtk",
    "PIL.ImageQt",
]

# Qt plugins by folder: None keeps the folder whole, a set keeps only those plugin base names
# (`libqxcb.so`, `qxcb.dll` and `libqxcb.dylib` are all `qxcb`), an empty set drops the folder.
QT_PLUGINS: dict[str, set[str] | None] = {
    # xcb and wayland for desktops, offscreen for the self-test and CI, minimal as a last resort;
    # windows/cocoa on their platforms. eglfs, linuxfb, vnc, vkkhrdisplay are for kiosks and embedded boards.
    "platforms": {
        "qxcb",
        "qwayland",
        "qwayland-egl",
        "qwayland-generic",
        "qoffscreen",
        "qminimal",
        "qwindows",
        "qdirect2d",
        "qcocoa",
    },
    # Portal dialogs on Linux. Not qgtk3: it loads the system's GTK 3, and PyInstaller would bundle the
    # build machine's glib/cairo/pango beside it (10 MB that clash with the user's GTK when it loads).
    "platformthemes": {"qxdgdesktopportal"},
    "platforminputcontexts": {"composeplatforminputcontextplugin", "ibusplatforminputcontextplugin"},
    # (the virtual keyboard plugin drags in Qt Quick; ibus is how Chinese is typed on Linux)
    "imageformats": {"qjpeg", "qpng", "qgif", "qico", "qsvg", "qwebp", "qicns"},
    "iconengines": None,
    "styles": None,  # qmodernwindowsstyle on Windows
    "xcbglintegrations": None,
    "wayland-decoration-client": None,
    "wayland-graphics-integration-client": None,
    # xdg-shell is what desktop compositors speak; ivi-shell (cars), fullscreen-shell (kiosks), qt-shell
    # (Qt's own compositor) and the deprecated wl-shell are not desktops.
    "wayland-shell-integration": {"xdg-shell"},
    "egldeviceintegrations": set(),
    "generic": set(),
    "networkinformation": set(),
    "tls": set(),
    "printsupport": set(),
    "sqldrivers": set(),
    "qmltooling": set(),
    "qmllint": set(),
    "designer": set(),
    "wayland-graphics-integration-server": set(),
    "multimedia": set(),
    "vectorimageformats": set(),  # SVG/Lottie for Qt Quick's VectorImage
}

# Qt libraries that PyInstaller's Qt hooks collect for plugins left out above, which nothing that ships
# loads (build.py fails a Linux build if a shipped library still names one as needed): the network module
# (for the tls and network-information plugins), the kiosk EGLFS integration, the wl-shell protocol.
QT_LIB_DROPS = frozenset(
    {"Qt6Network", "Qt6EglFSDeviceIntegration", "Qt6EglFsKmsSupport", "Qt6WlShellIntegration"}
)

# Qt's own translations: only the base Qt strings (file dialogs, context menus) in the languages NemoDesk
# speaks; the rest are for Qt tools we do not ship.
QT_TRANSLATION_KEEP = re.compile(r"^qtbase_(en|zh_CN|zh_TW)\.qm$")


# System libraries PyInstaller finds on the build machine as dependencies of Qt's GTK theme plugin (left out
# above) and of nothing else NemoDesk ships. Bundling them would only shadow the user's own GTK stack.
LINUX_GTK_STACK = re.compile(
    r"^lib(gtk-3|gdk-3|gdk_pixbuf-2\.0|pango\w*-1\.0|cairo(-gobject)?|atk-1\.0|atk-bridge-2\.0|atspi|epoxy|harfbuzz|"
    r"fribidi|thai|datrie|graphite2|pixman-1|gio-2\.0|gobject-2\.0|gmodule-2\.0|X(render|ext|i|randr|inerama|"
    r"cursor|composite|damage|fixes|au|dmcp)|blkid|mount|selinux|bsd|md|jpeg)\.so[.\d]*$"
)


def keep_binary(dest: str, platform: str = sys.platform) -> bool:
    """Whether a collected binary ships: the Qt filter, and on Linux no stray GTK stack."""
    if not keep_qt_file(dest):
        return False
    name = dest.replace("\\", "/")
    return not (platform.startswith("linux") and "/" not in name and LINUX_GTK_STACK.match(name))


def _plugin_base(filename: str) -> str:
    stem = filename.split(".")[0]
    return stem[3:] if stem.startswith("lib") else stem


def keep_qt_file(dest: str) -> bool:
    """Whether a collected file (its path inside the bundle) should ship; non-Qt files always do."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if "PySide6" not in parts:
        return True
    rest = parts[parts.index("PySide6") + 1 :]
    if rest[:1] == ("Qt",):
        rest = rest[1:]
    if len(rest) >= 3 and rest[0] == "plugins":
        wanted = QT_PLUGINS.get(rest[1])
        return wanted is None or _plugin_base(rest[-1]) in wanted
    if len(rest) >= 2 and rest[0] == "translations":
        return bool(QT_TRANSLATION_KEEP.match(rest[-1]))
    # Qt's libraries: in Qt/lib on Linux, beside the Python modules on Windows
    if (len(rest) == 1 or (len(rest) == 2 and rest[0] == "lib")) and _plugin_base(rest[-1]) in QT_LIB_DROPS:
        return False
    return not (rest and rest[0] in ("qml", "qmltooling"))


def keep_resource(dest: str) -> bool:
    """Ship the resources the app reads: not the scripts that made them, nor the .ico/.icns that the
    executable and the macOS bundle already carry."""
    return (
        not dest.replace("\\", "/").endswith((".py", ".pyc", ".ico", ".icns")) and "__pycache__" not in dest
    )
