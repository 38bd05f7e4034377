"""Reading QR codes from a scanned or printed copy with independent tools (internal).

Decoding is done by ``zbarimg`` (Debian package ``zbar-tools``), an implementation independent
of the ``qrcode`` package that draws the codes; PDF pages are first rasterised by ``pdftoppm``
(``poppler-utils``). Both run as subprocesses on a temporary copy of the file, without a shell.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from hocbaso import errors

PDF_MAGIC = b"%PDF-"
_DPI = 200
_TIMEOUT = 120


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise errors.ConfigurationError(
            f"{name} is not installed (Debian/Ubuntu: apt-get install {package})",
            message_vi=f"Máy chưa cài công cụ {name} để đọc mã QR; hãy cài gói {package} "
            "hoặc nhập trực tiếp mã kiểm tra (HBS1:…) in dưới mã QR.",
            code="COPY-QR-TOOL",
        )
    return path


def _unreadable(path: Path, detail: str) -> errors.InputError:
    return errors.InputError(
        f"cannot read {path.name}: {detail}",
        message_vi=f"Không đọc được tệp {path.name} (ảnh PNG/JPEG hoặc PDF của bản in).",
        code="COPY-IMAGE",
        location=str(path),
    )


def _zbar(images: list[Path]) -> list[str]:
    zbarimg = _tool("zbarimg", "zbar-tools")
    texts: list[str] = []
    for image in images:
        result = subprocess.run(
            [zbarimg, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
            capture_output=True,
            timeout=_TIMEOUT,
            check=False,
        )
        # zbarimg exits 4 when it found no symbol; other non-zero codes mean it failed.
        if result.returncode not in (0, 4):
            detail = result.stderr.decode("utf-8", "replace").strip()[:200]
            raise _unreadable(image, f"zbarimg failed ({result.returncode}): {detail}")
        for line in result.stdout.decode("utf-8", "replace").splitlines():
            if line.strip():
                texts.append(line.strip())
    return texts


def read_qr_texts(path: str | Path) -> tuple[str, ...]:
    """The texts of every QR code found in an image (PNG, JPEG…) or in every page of a PDF.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ConfigurationError: ``COPY-QR-TOOL`` — ``zbarimg`` (or ``pdftoppm`` for a PDF) is not
            installed.
        InputError: ``COPY-IMAGE`` — the file cannot be decoded as an image or PDF.
    """
    source = Path(path)
    with source.open("rb") as handle:
        head = handle.read(len(PDF_MAGIC))
    with tempfile.TemporaryDirectory(prefix="hocbaso-qr-") as tmp:
        work = Path(tmp)
        if head == PDF_MAGIC:
            pdftoppm = _tool("pdftoppm", "poppler-utils")
            result = subprocess.run(
                [pdftoppm, "-r", str(_DPI), "-gray", str(source), str(work / "page")],
                capture_output=True,
                timeout=_TIMEOUT,
                check=False,
            )
            if result.returncode != 0:
                detail = result.stderr.decode("utf-8", "replace").strip()[:200]
                raise _unreadable(source, f"pdftoppm failed: {detail}")
            images = sorted(work.glob("page*.pgm"))  # uncompressed: fast to write and read
        else:
            images = [source]
        texts = _zbar(images)
    seen: dict[str, None] = {}
    for text in texts:
        seen.setdefault(text, None)
    return tuple(seen)
