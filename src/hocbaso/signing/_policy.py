"""Profiles: which slots exist, what each signs, which are required, in which order (data)."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from types import MappingProxyType

from hocbaso import errors


class SlotKind(str, enum.Enum):
    """The signature slots of ``DANH_SACH_THONG_TIN_KY``, in signing order."""

    GVBM = "GVBM"
    """Subject teacher (*giáo viên bộ môn*), one slot per subject entry (secondary only)."""
    GVCN = "GVCN"
    """Homeroom teacher (*giáo viên chủ nhiệm*)."""
    CBQL = "CBQL"
    """School leader (*cán bộ quản lý*: principal or delegated vice-principal)."""
    KY_PHAT_HANH = "KY_PHAT_HANH"
    """Issuing seal (*ký phát hành*): the school's organisation certificate."""


class Target(str, enum.Enum):
    """What a slot's data Reference points at."""

    DATA = "data"
    """``#data``: the whole ``DU_LIEU_HOC_BA``."""
    SUBJECT = "subject"
    """``#mon-<MA_MON_HOC>``: one subject entry of the results."""


class CertificateKind(str, enum.Enum):
    """Which kind of certificate a slot needs."""

    PERSONAL = "personal"
    """A natural person's certificate (no ``MST:`` in the subject; ``CCCD:`` if any must match)."""
    ORGANISATION = "organisation"
    """An organisation certificate (``MST:<tax code>`` in the subject UID attribute)."""


_SUBJECT_CODE = re.compile(r"^[A-Za-z0-9_.]{1,32}$")


@dataclass(frozen=True, slots=True, order=True)
class SlotId:
    """One concrete slot: a kind, plus the subject code (``MA_MON_HOC``) for ``GVBM``.

    The text form is ``GVCN``, ``CBQL``, ``KY_PHAT_HANH`` or ``GVBM:<MA_MON_HOC>``.
    """

    kind: SlotKind
    subject: str | None = None

    @classmethod
    def parse(cls, text: str | SlotId) -> SlotId:
        """Parse ``GVBM:TOAN`` / ``CBQL`` ...; raises :class:`~hocbaso.errors.InputError`."""
        if isinstance(text, SlotId):
            return text
        kind_s, _, subject = str(text).partition(":")
        try:
            kind = SlotKind(kind_s.strip().upper())
        except ValueError:
            raise errors.InputError(
                f"unknown slot {text!r} (GVBM:<MA_MON_HOC>, GVCN, CBQL or KY_PHAT_HANH)",
                message_vi=f"Vị trí ký {text!r} không tồn tại. Dùng GVBM:<mã môn>, GVCN, CBQL "
                "hoặc KY_PHAT_HANH.",
                code="SIG-SLOT",
            ) from None
        subject = subject.strip()
        if kind is SlotKind.GVBM:
            if not _SUBJECT_CODE.match(subject):
                raise errors.InputError(
                    f"slot {text!r}: GVBM needs a subject code, e.g. GVBM:TOAN",
                    message_vi="Chữ ký giáo viên bộ môn cần mã môn học, ví dụ GVBM:TOAN.",
                    code="SIG-SLOT",
                )
            return cls(kind, subject)
        if subject:
            raise errors.InputError(
                f"slot {text!r}: only GVBM takes a subject code",
                message_vi="Chỉ vị trí GVBM mới có mã môn học.",
                code="SIG-SLOT",
            )
        return cls(kind)

    def __str__(self) -> str:
        return self.kind.value if self.subject is None else f"GVBM:{self.subject}"

    @property
    def suffix(self) -> str:
        """``CBQL`` or ``GVBM-TOAN``: the part used in the slot's Ids."""
        return self.kind.value if self.subject is None else f"GVBM-{self.subject}"

    @property
    def signature_id(self) -> str:
        """``Id`` of the slot's ``ds:Signature`` (``sig-CBQL``)."""
        return f"sig-{self.suffix}"

    @property
    def time_object_id(self) -> str:
        """``Id`` of the ``ds:Object`` holding the SigningTime (``time-CBQL``)."""
        return f"time-{self.suffix}"

    @property
    def signed_properties_id(self) -> str:
        """``Id`` of the XAdES ``SignedProperties`` (``xades-CBQL``)."""
        return f"xades-{self.suffix}"

    @property
    def data_reference_id(self) -> str:
        """``Id`` of the data ``ds:Reference`` (``ref-CBQL``)."""
        return f"ref-{self.suffix}"


@dataclass(frozen=True, slots=True)
class SlotRule:
    """The rules for one kind of slot within a profile.

    Attributes:
        kind: the slot kind.
        target: what the data Reference points at.
        certificate: personal or organisation certificate.
        required: must be signed before the record is complete (for ``GVBM``: one per subject).
        expected_cccd: path (relative to ``DU_LIEU_HOC_BA``; for ``GVBM`` relative to the subject
            entry) of an element whose text, when present, must equal the slot's ``SO_CCCD``.
        role_vi: the role in Vietnamese.
        role_en: the role in English.
    """

    kind: SlotKind
    target: Target
    certificate: CertificateKind
    required: bool
    expected_cccd: str | None
    role_vi: str
    role_en: str


@dataclass(frozen=True, slots=True)
class Profile:
    """A record profile: the levels (``MA_CAP_HOC``) it covers and its slot rules in order.

    Attributes:
        name: profile id, e.g. ``tieu-hoc-1.0``.
        levels: the ``MA_CAP_HOC`` codes of the profile.
        subject_path: path from ``DU_LIEU_HOC_BA`` to the subject entries (each with
            ``Id="mon-<MA_MON_HOC>"``).
        slots: slot rules, in signing order.
    """

    name: str
    levels: frozenset[str]
    subject_path: str
    slots: tuple[SlotRule, ...]

    def rule(self, kind: SlotKind) -> SlotRule | None:
        """The rule for ``kind``, or ``None`` if the profile has no such slot."""
        for r in self.slots:
            if r.kind is kind:
                return r
        return None

    def rank(self, kind: SlotKind) -> int:
        """Position of ``kind`` in the signing order."""
        return [r.kind for r in self.slots].index(kind)


_GVCN = SlotRule(
    SlotKind.GVCN,
    Target.DATA,
    CertificateKind.PERSONAL,
    required=False,
    expected_cccd="THONG_TIN_CHUNG/SO_CCCD_GIAO_VIEN_CHU_NHIEM",
    role_vi="Giáo viên chủ nhiệm",
    role_en="homeroom teacher",
)
_CBQL = SlotRule(
    SlotKind.CBQL,
    Target.DATA,
    CertificateKind.PERSONAL,
    required=True,
    expected_cccd="THONG_TIN_CHUNG/SO_CCCD_GIAM_HIEU_KY_HOC_BA",
    role_vi="Cán bộ quản lý (hiệu trưởng / phó hiệu trưởng)",
    role_en="school leader",
)
_KY = SlotRule(
    SlotKind.KY_PHAT_HANH,
    Target.DATA,
    CertificateKind.ORGANISATION,
    required=True,
    expected_cccd=None,
    role_vi="Ký phát hành (chữ ký số tổ chức của nhà trường)",
    role_en="issuing seal (school organisation certificate)",
)
_GVBM = SlotRule(
    SlotKind.GVBM,
    Target.SUBJECT,
    CertificateKind.PERSONAL,
    required=True,
    expected_cccd="GVBM/SO_CCCD",
    role_vi="Giáo viên bộ môn",
    role_en="subject teacher",
)

TIEU_HOC_1_0 = Profile(
    name="tieu-hoc-1.0",
    levels=frozenset({"02"}),
    subject_path="TONG_KET/DS_BANG_DIEM/BANG_DIEM",
    slots=(_GVCN, _CBQL, _KY),
)
"""Primary school (*tiểu học*, ``MA_CAP_HOC`` 02): GVCN (optional) → CBQL → KY_PHAT_HANH."""

TRUNG_HOC_1_0 = Profile(
    name="trung-hoc-1.0",
    levels=frozenset({"03", "04"}),
    subject_path="TONG_KET/DS_DIEM_TONG_KET/DIEM_TONG_KET",
    slots=(_GVBM, _GVCN, _CBQL, _KY),
)
"""Secondary (*THCS* 03, *THPT* 04): GVBM per subject → GVCN (optional) → CBQL → KY_PHAT_HANH."""

PROFILES = MappingProxyType({p.name: p for p in (TIEU_HOC_1_0, TRUNG_HOC_1_0)})
"""Known profiles by name."""


def profile_for_level(level: str | None) -> Profile:
    """The profile whose ``levels`` contain ``MA_CAP_HOC`` ``level``."""
    for p in PROFILES.values():
        if level in p.levels:
            return p
    raise errors.ProfileError(
        f"MA_CAP_HOC {level!r} has no signature profile (02 primary, 03/04 secondary)",
        message_vi=f"Mã cấp học {level!r} không có quy định ký số (02 tiểu học, 03/04 trung học).",
        location="/HOC_BA/DU_LIEU_HOC_BA/THONG_TIN_CHUNG/MA_CAP_HOC",
    )


def resolve_profile(profile: str | Profile | None, level: str | None) -> Profile:
    """Profile named/given by the caller, or detected from ``MA_CAP_HOC``."""
    if isinstance(profile, Profile):
        return profile
    if profile is None:
        return profile_for_level(level)
    try:
        return PROFILES[profile]
    except KeyError:
        raise errors.ProfileError(
            f"unknown profile {profile!r}; known: {', '.join(PROFILES)}",
            message_vi=f"Không có hồ sơ ký {profile!r}.",
        ) from None
