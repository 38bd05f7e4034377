"""Where things are in a record: data, subject entries, signature slots, Ids (internal)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree

from hocbaso import errors
from hocbaso.signing._policy import Profile, SlotId, SlotKind, resolve_profile
from hocbaso.signing._xml import xpath_of

ROOT = "HOC_BA"
DATA = "DU_LIEU_HOC_BA"
DATA_ID = "data"
SLOTS = "DANH_SACH_THONG_TIN_KY"
GVBM_LIST = "DANH_SACH_GVBM"
SLOT_ORDER = (GVBM_LIST, "GVCN", "CBQL", "KY_PHAT_HANH")

# Parents of the Id attributes: libxml2 finds them ~3x faster than testing "*[@Id]" on
# every element (measured on a signed record).
_ID_ELEMENTS = etree.XPath("descendant-or-self::*/@Id/..")
_ID_VALUES = etree.XPath("descendant-or-self::*/@Id", smart_strings=False)
"""Every un-namespaced ``Id`` attribute in document order (one C-level pass; compiled once)."""


@dataclass(frozen=True, slots=True)
class LayoutProblem:
    """A structural problem: rule code, XPath, English and Vietnamese messages."""

    code: str
    location: str
    message_en: str
    message_vi: str


@dataclass(slots=True)
class Layout:
    """The located parts of one ``HOC_BA`` document."""

    root: etree._Element
    profile: Profile
    data: etree._Element | None
    level: str | None
    subjects: dict[str, etree._Element] = field(default_factory=dict)
    container: etree._Element | None = None
    slots: dict[SlotId, etree._Element] = field(default_factory=dict)
    problems: list[LayoutProblem] = field(default_factory=list)
    duplicate_ids: bool = False
    _ids: dict[str, list[etree._Element]] | None = field(default=None, repr=False)

    @property
    def ids(self) -> dict[str, list[etree._Element]]:
        """Every ``Id`` value of the document with the elements that carry it (made on first
        use: signing a record never needs it, only the duplicate check)."""
        if self._ids is None:
            ids: dict[str, list[etree._Element]] = {}
            # Both in document order, one Id attribute per element: pairs line up.
            for value, element in zip(_ID_VALUES(self.root), _ID_ELEMENTS(self.root), strict=True):
                ids.setdefault(value, []).append(element)
            self._ids = ids
        return self._ids

    def add(self, code: str, element: etree._Element, en: str, vi: str) -> None:
        """Record a problem at ``element``."""
        self.problems.append(LayoutProblem(code, xpath_of(element), en, vi))

    def has_unique_id(self, element: etree._Element | None, value: str) -> bool:
        """True when ``element`` is the one element of the document with ``Id=value``.

        Without duplicated Ids (the common case, known from :func:`read_layout`) that is just
        ``element``'s own attribute; the full Id map is built only otherwise.
        """
        if element is None:
            return False
        if not self.duplicate_ids:
            return element.get("Id") == value
        return self.unique_id(value) is element

    def unique_id(self, value: str) -> etree._Element | None:
        """The one element with ``Id=value``; ``None`` if absent or duplicated."""
        found = self.ids.get(value, [])
        return found[0] if len(found) == 1 else None


def _text(el: etree._Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    return el.text.strip()


_PLAIN_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*(?:/[A-Za-z_][A-Za-z0-9_.-]*)*")
_SUBJECT_XPATHS: dict[str, tuple[etree.XPath, etree.XPath]] = {}


_FIRST: dict[str, etree.XPath] = {}


def find_first(element: etree._Element, path: str) -> etree._Element | None:
    """``element.find(path)`` for a plain child path (``A/B/C``), by a compiled XPath.

    ``find`` parses its ElementPath in Python on every call; this runs once per record per
    path, on the signing and verification paths. Other paths are handed to ``find``.
    """
    xp = _FIRST.get(path)
    if xp is None:
        if not _PLAIN_PATH.fullmatch(path) or len(_FIRST) > 256:
            return element.find(path)
        xp = _FIRST[path] = etree.XPath(f"{path}[1]")
    found = xp(element)
    return found[0] if isinstance(found, list) and found else None


def _subject_entries(
    data: etree._Element, path: str
) -> Iterable[tuple[etree._Element, etree._Element | None]]:
    """The subject entries under ``data`` at ``path``, each with its first ``MA_MON_HOC``.

    A plain child path (``A/B/C``, the same in ElementPath and XPath) is evaluated by two
    compiled XPaths; anything else, or an entry without ``MA_MON_HOC``, goes the slow way.
    """
    if not _PLAIN_PATH.fullmatch(path):
        entries = data.findall(path)
    else:
        xp = _SUBJECT_XPATHS.get(path)
        if xp is None:
            xp = (etree.XPath(path), etree.XPath(f"{path}/MA_MON_HOC[1]"))
            _SUBJECT_XPATHS[path] = xp
        entries = xp[0](data)
        codes = xp[1](data)
        if len(codes) == len(entries):  # one first MA_MON_HOC per entry, in document order
            return zip(entries, codes, strict=True)
    return ((e, next(e.iterchildren("MA_MON_HOC"), None)) for e in entries)


def read_layout(root: etree._Element, profile: str | Profile | None = None) -> Layout:
    """Locate the parts of a record. Raises :class:`ProfileError` if it is not a ``HOC_BA``."""
    if root.tag != ROOT:
        raise errors.ProfileError(
            f"root element is {etree.QName(root).localname!r}, expected HOC_BA without namespace",
            message_vi="Tệp không phải học bạ số: phần tử gốc phải là HOC_BA.",
            location="/" + str(etree.QName(root).localname),
        )
    elements = [c for c in root if isinstance(c.tag, str)]
    datas = [c for c in elements if c.tag == DATA]
    data = datas[0] if datas else None
    level = _text(find_first(data, "THONG_TIN_CHUNG/MA_CAP_HOC")) if data is not None else None
    prof = resolve_profile(profile, level)
    layout = Layout(root=root, profile=prof, data=data, level=level)

    odd = list(root.iter(etree.Comment, etree.ProcessingInstruction))
    odd += list(root.itersiblings(preceding=True)) + list(root.itersiblings())
    for node in odd:
        kind = "comment" if isinstance(node, etree._Comment) else "processing instruction"
        parent = node.getparent()
        layout.add(
            "SIG-COMMENT",
            parent if parent is not None else root,
            f"the document contains a {kind}; a học bạ record has none",
            "Tệp có chú thích hoặc chỉ thị xử lý (comment/PI) chèn vào — không hợp lệ.",
        )
    id_values = _ID_VALUES(root)
    if len(set(id_values)) != len(id_values):  # the rare case: locate the duplicates
        layout.duplicate_ids = True
        for value, nodes in layout.ids.items():
            if len(nodes) > 1:
                layout.add(
                    "SIG-DUPLICATE-ID",
                    nodes[1],
                    f"Id {value!r} is used {len(nodes)} times",
                    f"Mã định danh Id={value!r} bị lặp {len(nodes)} lần (dấu hiệu giả mạo).",
                )

    if data is None or len(datas) != 1 or elements[0] is not data:
        layout.add(
            "SIG-LAYOUT",
            root,
            "HOC_BA must have exactly one DU_LIEU_HOC_BA, as its first child",
            "HOC_BA phải có đúng một DU_LIEU_HOC_BA, đứng đầu tiên.",
        )
    elif data.get("Id") != DATA_ID:
        layout.add(
            "SIG-LAYOUT",
            data,
            'DU_LIEU_HOC_BA must carry Id="data"',
            'DU_LIEU_HOC_BA phải có Id="data".',
        )
    others = [c for c in elements if c.tag not in (DATA, SLOTS)]
    containers = [c for c in elements if c.tag == SLOTS]
    for extra in others:
        layout.add(
            "SIG-LAYOUT",
            extra,
            f"unexpected element {extra.tag!r} under HOC_BA",
            f"Phần tử lạ {extra.tag!r} nằm trong HOC_BA.",
        )
    if len(containers) > 1:
        layout.add(
            "SIG-LAYOUT",
            containers[1],
            "DANH_SACH_THONG_TIN_KY appears twice",
            "DANH_SACH_THONG_TIN_KY xuất hiện hai lần.",
        )
    if containers:
        layout.container = containers[0]
        if elements.index(containers[0]) != 1:
            layout.add(
                "SIG-LAYOUT",
                containers[0],
                "DANH_SACH_THONG_TIN_KY must follow DU_LIEU_HOC_BA",
                "DANH_SACH_THONG_TIN_KY phải đứng ngay sau DU_LIEU_HOC_BA.",
            )

    if data is not None:
        subjects = layout.subjects
        for entry, code_el in _subject_entries(data, prof.subject_path):
            text = code_el.text if code_el is not None else None
            code = text.strip() if text else ""
            if code in subjects:
                layout.add(
                    "SIG-LAYOUT",
                    entry,
                    f"subject {code!r} appears twice",
                    f"Môn học {code!r} xuất hiện hai lần.",
                )
                continue
            subjects[code] = entry
            if entry.get("Id") != "mon-" + code:
                layout.add(
                    "SIG-LAYOUT",
                    entry,
                    f'subject entry {code!r} must carry Id="mon-{code}"',
                    f'Môn {code!r} phải có Id="mon-{code}".',
                )

    if layout.container is not None:
        _read_slots(layout, layout.container)
    return layout


def _read_slots(layout: Layout, container: etree._Element) -> None:
    last_rank = -1
    seen: set[str] = set()
    for child in container:
        if not isinstance(child.tag, str):
            continue
        if child.tag not in SLOT_ORDER:
            layout.add(
                "SIG-LAYOUT",
                child,
                f"unexpected element {child.tag!r} in DANH_SACH_THONG_TIN_KY",
                f"Phần tử lạ {child.tag!r} trong danh sách chữ ký.",
            )
            continue
        if child.tag in seen:
            layout.add(
                "SIG-SLOT-DUPLICATE",
                child,
                f"slot {child.tag} appears twice",
                f"Vị trí ký {child.tag} xuất hiện hai lần.",
            )
            continue
        seen.add(child.tag)
        rank = SLOT_ORDER.index(child.tag)
        if rank < last_rank:
            layout.add(
                "SIG-SLOT-ORDER",
                child,
                f"slot {child.tag} is out of order (DANH_SACH_GVBM, GVCN, CBQL, KY_PHAT_HANH)",
                f"Vị trí ký {child.tag} sai thứ tự (GVBM, GVCN, CBQL, KY_PHAT_HANH).",
            )
        last_rank = max(last_rank, rank)
        if child.tag == GVBM_LIST:
            if layout.profile.rule(SlotKind.GVBM) is None:
                layout.add(
                    "SIG-LAYOUT",
                    child,
                    f"profile {layout.profile.name} has no GVBM slots",
                    "Học bạ tiểu học không có chữ ký giáo viên bộ môn (GVBM).",
                )
                continue
            for g in child:
                if not isinstance(g.tag, str):
                    continue
                code = g.get("MA_MON_HOC") or ""
                if g.tag != "GVBM" or not code:
                    layout.add(
                        "SIG-LAYOUT",
                        g,
                        "DANH_SACH_GVBM holds only GVBM[@MA_MON_HOC] slots",
                        "DANH_SACH_GVBM chỉ chứa các vị trí GVBM có thuộc tính MA_MON_HOC.",
                    )
                    continue
                try:
                    sid = SlotId.parse(f"GVBM:{code}")
                except errors.InputError:
                    layout.add(
                        "SIG-LAYOUT", g, f"bad subject code {code!r}", f"Mã môn {code!r} sai."
                    )
                    continue
                if sid in layout.slots:
                    layout.add(
                        "SIG-SLOT-DUPLICATE",
                        g,
                        f"slot GVBM:{code} appears twice",
                        f"Vị trí ký GVBM môn {code} xuất hiện hai lần.",
                    )
                    continue
                layout.slots[sid] = g
        else:
            layout.slots[SlotId(SlotKind(child.tag))] = child
