"""Safety limits for decoding packets (*gói tin*) and the transaction size constants.

Internal module: import the names from :mod:`hocbaso.batch`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hocbaso.errors import ConfigurationError

__all__ = [
    "DEFAULT_MAX_PACKET_BYTES",
    "ENVELOPE_RESERVE_BYTES",
    "INT32_MAX",
    "TRANSACTION_LIMIT_BYTES",
    "DecompressionLimits",
]

#: "Tối đa 10 MB cho một giao dịch" (spec §2.3, §2.8). Read as *decimal* megabytes
#: (10,000,000 bytes), the smaller of the two readings, so that a packet is accepted
#: whichever reading the receiver uses.
TRANSACTION_LIMIT_BYTES = 10_000_000

#: Room left for the JSON envelope around ``content`` (token, account, hashed password,
#: ids and the organisation ``Signature`` with its embedded certificate).
ENVELOPE_RESERVE_BYTES = 65_536

#: Default cap on the base64 ``content`` string of one packet:
#: ``TRANSACTION_LIMIT_BYTES - ENVELOPE_RESERVE_BYTES``.
DEFAULT_MAX_PACKET_BYTES = TRANSACTION_LIMIT_BYTES - ENVELOPE_RESERVE_BYTES

#: The length prefix is a signed little-endian Int32 (.NET ``BitConverter.GetBytes(int)``).
INT32_MAX = 2**31 - 1


class DecompressionLimits(BaseModel):
    """Limits applied while decoding a packet's ``content`` (protection against zip bombs).

    Frozen; build it from a mapping with :meth:`from_dict`, which rejects unknown keys.
    Every packet made by :func:`hocbaso.batch.pack` with the same limits decodes under them.

    Attributes:
        max_content_chars: longest accepted base64 ``content`` string, in characters.
        max_output_bytes: largest accepted uncompressed XML, in bytes. Decompression stops as
            soon as the output would exceed it; the bomb is never materialised.
        max_ratio: largest accepted ratio of uncompressed to compressed size. Real packets of
            records compress about 5-20 times; deflate cannot exceed about 1032 times.
        ratio_floor_bytes: the ratio is only enforced once the output exceeds this many bytes,
            so that tiny, very repetitive inputs are not refused.
        chunk_bytes: how much compressed input is fed to zlib at a time, and the most output
            produced by one zlib call.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    max_content_chars: int = Field(default=16 * 1024 * 1024, ge=8, le=INT32_MAX)
    max_output_bytes: int = Field(default=256 * 1024 * 1024, ge=0, le=INT32_MAX)
    max_ratio: float = Field(default=200.0, ge=1.0, le=1_000_000.0)
    ratio_floor_bytes: int = Field(default=1024 * 1024, ge=0, le=INT32_MAX)
    chunk_bytes: int = Field(default=64 * 1024, ge=1024, le=64 * 1024 * 1024)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _config_error(exc) from None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DecompressionLimits:
        """Build limits from a mapping (e.g. a parsed config file); unknown keys are refused.

        Raises:
            ConfigurationError: a key is unknown or a value is out of range.
        """
        if not isinstance(data, Mapping):
            raise ConfigurationError(
                "decompression limits must be a mapping",
                message_vi="Cấu hình giới hạn giải nén phải là một bảng khoá-giá trị.",
                code="CONFIG-LIMITS",
            )
        return cls(**dict(data))


def _config_error(exc: ValidationError) -> ConfigurationError:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or None
    return ConfigurationError(
        f"invalid decompression limit: {first['msg']}",
        message_vi=f"Giá trị giới hạn giải nén không hợp lệ ({where or 'cấu hình'}): "
        f"{first['msg']}.",
        code="CONFIG-LIMITS",
        location=where,
    )
