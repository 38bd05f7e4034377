"""Realistic small records for the batch tests (deterministic)."""

from __future__ import annotations

import random

GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Khánh", "Linh", "Minh", "Ngọc", "Phương"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Trương"]
SUBJECTS = ["Tiếng Việt", "Toán", "Đạo đức", "Tự nhiên và Xã hội", "Âm nhạc", "Mĩ thuật"]


def make_record(i: int, rng: random.Random | None = None) -> bytes:
    """One small but realistic <HOC_BA> record (no declaration), deterministic in ``i``."""
    r = rng or random.Random(i)
    name = f"{r.choice(FAMILY)} {r.choice(GIVEN)} {r.choice(GIVEN)}"
    marks = "".join(
        f"<MON_HOC><TEN_MON_HOC>{s}</TEN_MON_HOC><DIEM>{r.randint(5, 10)}</DIEM>"
        f"<NHAN_XET>Em {r.choice(['chăm chỉ', 'tiến bộ', 'cần cố gắng'])} &amp; "
        f"{r.choice(['tích cực', 'ngoan', 'hợp tác tốt'])}.</NHAN_XET></MON_HOC>"
        for s in SUBJECTS
    )
    return (
        f'<HOC_BA><DU_LIEU_HOC_BA Id="data"><THONG_TIN_CHUNG>'
        f"<MA_TRA_CUU_UUID>{r.getrandbits(128):032x}</MA_TRA_CUU_UUID>"
        f"<HO_VA_TEN>{name}</HO_VA_TEN><SO_CCCD>{r.randint(0, 10**12 - 1):012d}</SO_CCCD>"
        f"</THONG_TIN_CHUNG><TONG_KET>{marks}</TONG_KET></DU_LIEU_HOC_BA></HOC_BA>"
    ).encode()
