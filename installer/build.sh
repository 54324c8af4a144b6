#!/usr/bin/env bash
# Build the till as a one-folder program with PyInstaller (Linux; macOS works the same way),
# run its self-test offscreen, and print the folder's size and the build time.
#
#   installer/build.sh                 # -> dist/pos-member/pos-member
#   installer/build.sh --archive       # also dist/pos-member-<version>-linux-<arch>.tar.gz
#   installer/build.sh --no-self-test
#
# Environment:
#   PYTHON      the Python whose environment builds the program (default: .venv/bin/python,
#               created and filled with the project by scripts/setup-venv when missing)
#   DIST_DIR    where the program folder goes (default: dist)
#   WORK_DIR    PyInstaller's work folder (default: build/pyinstaller)
#   POS_MEMBER_BUNDLE_FONT  a CJK font file to ship for raster receipts (optional)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"

archive=0
self_test=1
for arg in "$@"; do
    case "$arg" in
        --archive) archive=1 ;;
        --no-self-test) self_test=0 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "build.sh: unknown option $arg" >&2; exit 2 ;;
    esac
done

if [ -z "${PYTHON:-}" ]; then
    scripts/setup-venv
    PYTHON="$ROOT/.venv/bin/python"
fi
DIST_DIR="${DIST_DIR:-$ROOT/dist}"
WORK_DIR="${WORK_DIR:-$ROOT/build/pyinstaller}"
APP="pos-member"

# PyInstaller 6 into the build environment, once.
if ! "$PYTHON" -c "import PyInstaller, sys; sys.exit(int(PyInstaller.__version__.split('.')[0]) != 6)" \
        2>/dev/null; then
    echo "installing PyInstaller 6 into $("$PYTHON" -c 'import sys; print(sys.prefix)')"
    "$PYTHON" -m pip install --quiet "pyinstaller>=6,<7"
fi

version="$("$PYTHON" -c 'import pos_member; print(pos_member.__version__)')"
echo "building POS Member $version with $("$PYTHON" -m PyInstaller --version | tail -1)" \
     "(PyInstaller) into $DIST_DIR/$APP"
start=$(date +%s.%N)
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$DIST_DIR" --workpath "$WORK_DIR" installer/pos_member.spec
end=$(date +%s.%N)
build_s=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')

bundle="$DIST_DIR/$APP"
size_mb=$(du -sk "$bundle" | awk '{ printf "%.1f", $1 / 1024 }')
files=$(find "$bundle" -type f | wc -l)
echo "bundle:     $bundle"
echo "size:       ${size_mb} MB in ${files} files"
echo "build time: ${build_s} s"

if [ "$self_test" = 1 ]; then
    echo "self-test:"
    QT_QPA_PLATFORM=offscreen "$bundle/$APP" --self-test --scratch  # not the build machine's till
fi

if [ "$archive" = 1 ]; then
    tarball="$DIST_DIR/$APP-$version-linux-$(uname -m).tar.gz"
    tar -C "$DIST_DIR" -czf "$tarball" "$APP"
    echo "archive:    $tarball ($(du -k "$tarball" | awk '{ printf "%.1f", $1 / 1024 }') MB)"
fi
