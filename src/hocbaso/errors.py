"""The one exception hierarchy of hocbaso (and its warnings).

Every public entry point raises only subclasses of :class:`HocbasoError`. Each error carries
machine-readable facts -- a stable ``code`` (the rule id that failed), the ``location`` (an XPath
such as ``/HOC_BA/DU_LIEU_HOC_BA/THONG_TIN_CHUNG/SO_CCCD`` or a model field path), the source
``line`` when known -- and a message in Vietnamese (``message_vi``, for the school clerk) and in
English (``message_en``, for the developer).

Branches also inherit the matching builtin, so ``except ValueError`` keeps working for callers
who do not know this library::

    HocbasoError
    ├── InputError (ValueError)             the input cannot be used as it is
    │   ├── XmlSyntaxError                  not well-formed XML, wrong encoding declaration
    │   ├── UnsafeXmlError                  DTD, entity declaration, external reference
    │   ├── InputTooLargeError              over the configured size limit
    │   ├── EncodingError                   non-UTF-8 bytes, TCVN3/VNI legacy text
    │   ├── ProfileError                    wrong root, unknown profile or version
    │   ├── DocumentInvalidError            XSD or model constraints violated (carries a Report)
    │   └── PacketError                     a batch packet cannot be decoded
    ├── SignatureError                      signing or verification could not be done
    │   ├── SigningError                    refused to sign (order, algorithm, key)
    │   └── VerificationError               the document is not trustworthy
    ├── LedgerError                         the issuance ledger refused an operation
    │   └── LedgerIntegrityError (ValueError) the stored log does not verify
    └── ConfigurationError (ValueError)     a configuration value is invalid

Warnings derive from :class:`HocbasoWarning` (a ``UserWarning``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from hocbaso.report import Report

__all__ = [
    "ConfigurationError",
    "DocumentInvalidError",
    "EncodingError",
    "HocbasoError",
    "HocbasoWarning",
    "InputError",
    "InputTooLargeError",
    "LedgerError",
    "LedgerIntegrityError",
    "NormalizationWarning",
    "PacketError",
    "ProfileError",
    "SignatureError",
    "SigningError",
    "UnsafeXmlError",
    "VerificationError",
    "XmlSyntaxError",
]


class HocbasoError(Exception):
    """Root of every error raised by hocbaso.

    Attributes:
        code: stable identifier of what failed (e.g. ``XML-SYNTAX``, ``TT22-AVG-001``).
        message_vi: explanation in Vietnamese, for the school clerk.
        message_en: explanation in English, for the developer.
        location: XPath or model field path of the offending item, when known.
        line: 1-based source line, when known.
    """

    default_code = "HOCBASO"

    def __init__(
        self,
        message_en: str,
        *,
        message_vi: str | None = None,
        code: str | None = None,
        location: str | None = None,
        line: int | None = None,
    ) -> None:
        self.code = code or self.default_code
        self.message_en = message_en
        self.message_vi = message_vi or message_en
        self.location = location
        self.line = line
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.location:
            where = f" at {self.location}"
        if self.line:
            where += f" (line {self.line})"
        return f"[{self.code}]{where}: {self.message_vi} / {self.message_en}"


class InputError(HocbasoError, ValueError):
    """The input (bytes, file, field value) cannot be used as it is."""

    default_code = "INPUT"


class XmlSyntaxError(InputError):
    """The bytes are not well-formed XML 1.0 in UTF-8."""

    default_code = "XML-SYNTAX"


class UnsafeXmlError(InputError):
    """The XML declares a DTD or entities, or refers to external resources.

    Parsing is hardened: such documents are refused before any entity is expanded or any
    network or file access happens (billion laughs, XXE).
    """

    default_code = "XML-UNSAFE"


class InputTooLargeError(InputError):
    """The input is larger than the configured limit."""

    default_code = "INPUT-SIZE"


class EncodingError(InputError):
    """The text is not UTF-8, or looks typed in a legacy Vietnamese encoding (TCVN3, VNI)."""

    default_code = "TEXT-ENCODING"


class ProfileError(InputError):
    """Wrong root element, unknown profile, or an unsupported format version."""

    default_code = "PROFILE"


class DocumentInvalidError(InputError):
    """The document breaks XSD or model constraints; ``report`` lists every problem at once."""

    default_code = "DOCUMENT-INVALID"

    def __init__(
        self,
        message_en: str,
        *,
        report: Report,
        message_vi: str | None = None,
        code: str | None = None,
        location: str | None = None,
        line: int | None = None,
    ) -> None:
        self.report = report
        first = report.errors[0] if report.errors else None
        super().__init__(
            message_en,
            message_vi=message_vi,
            code=code or (first.rule if first else None),
            location=location or (first.location if first else None),
            line=line or (first.line if first else None),
        )


class PacketError(InputError):
    """A batch packet (base64 / length prefix / gzip) cannot be decoded safely."""

    default_code = "PACKET"


class SignatureError(HocbasoError):
    """A signing or verification operation could not be carried out."""

    default_code = "SIGNATURE"


class SigningError(SignatureError):
    """Signing was refused: wrong order of slots, weak algorithm, unusable key or slot."""

    default_code = "SIGNING"


class VerificationError(SignatureError):
    """The document is not trustworthy; ``report`` (when set) says why for each slot."""

    default_code = "VERIFICATION"

    def __init__(
        self,
        message_en: str,
        *,
        report: object | None = None,
        message_vi: str | None = None,
        code: str | None = None,
        location: str | None = None,
        line: int | None = None,
    ) -> None:
        self.report = report
        super().__init__(message_en, message_vi=message_vi, code=code, location=location, line=line)


class LedgerError(HocbasoError):
    """The issuance ledger refused an operation (e.g. different bytes under an issued UUID)."""

    default_code = "LEDGER"


class LedgerIntegrityError(LedgerError, ValueError):
    """The stored issuance log does not verify: an entry was altered, removed or reordered."""

    default_code = "LEDGER-INTEGRITY"


class ConfigurationError(HocbasoError, ValueError):
    """A configuration value is invalid or unknown."""

    default_code = "CONFIG"


class HocbasoWarning(UserWarning):
    """Root of every warning issued by hocbaso."""


class NormalizationWarning(HocbasoWarning):
    """Text was not in Unicode NFC (TCVN 6909) and was normalised on the way in.

    If the source document was signed, the normalised record no longer matches the signed bytes:
    never re-serialise it as if it were the signed document.
    """

    def __init__(self, message: str, location: str | None = None) -> None:
        self.location = location
        super().__init__(message if location is None else f"{location}: {message}")
