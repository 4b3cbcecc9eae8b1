"""GB/T 4754-2017 industry data and free-text normalisation (pure Python, no database)."""

import string

import pytest

from kehu.customers.industry_data import DIVISIONS, PHRASES, SECTIONS, normalise_industry_text


def test_twenty_sections_a_to_t_with_unique_abbreviations():
    assert len(SECTIONS) == 20
    assert [s[0] for s in SECTIONS] == list(string.ascii_uppercase[:20])
    abbrs = [s[1] for s in SECTIONS]
    assert len(set(abbrs)) == 20
    assert all(len(a) == 3 and a.isascii() and a.isupper() for a in abbrs)
    assert ("C", "MFG", "制造业", "Manufacturing") in SECTIONS
    assert SECTIONS[8][:3] == ("I", "ITS", "信息传输、软件和信息技术服务业")


def test_ninety_seven_divisions_each_in_an_existing_section():
    codes = [d[0] for d in DIVISIONS]
    assert len(DIVISIONS) == 97
    assert codes == [f"{n:02d}" for n in range(1, 98)]
    section_codes = {s[0] for s in SECTIONS}
    assert all(d[1] in section_codes for d in DIVISIONS)
    assert all(d[2] and d[3] for d in DIVISIONS)
    # every section has at least one division
    assert {d[1] for d in DIVISIONS} == section_codes


def test_known_divisions():
    by_code = {d[0]: d for d in DIVISIONS}
    assert by_code["36"] == ("36", "C", "汽车制造业", "Manufacture of automobiles")
    assert by_code["64"] == ("64", "I", "互联网和相关服务", "Internet and related services")
    assert by_code["65"] == ("65", "I", "软件和信息技术服务业", "Software and information technology services")
    assert by_code["12"][1:3] == ("B", "其他采矿业")
    assert by_code["13"][1] == by_code["43"][1] == "C"
    assert by_code["97"][1:3] == ("T", "国际组织")


def test_every_phrase_points_at_an_existing_code():
    codes = {d[0] for d in DIVISIONS} | {s[0] for s in SECTIONS}
    assert len(PHRASES) >= 80
    assert len({p for p, _ in PHRASES}) == len(PHRASES), "duplicate phrase"
    assert [p for p, c in PHRASES if c not in codes] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("互联网公司", "64"),
        ("制造业-汽车零部件", "36"),
        ("制造业/汽车制造业", "36"),
        ("汽车制造业", "36"),
        ("Manufacture of automobiles", "36"),
        ("manufacture of AUTOMOBILES", "36"),
        ("  互联网和相关服务 ", "64"),
        ("ＩＴ", "65"),
        ("36", "36"),
        ("C36", "36"),
        ("A36", None),
        ("制造业", "C"),
        ("Manufacturing", "C"),
        ("软件公司", "65"),
        ("汽配", "36"),
        ("银行", "66"),
        ("证券", "67"),
        ("保险", "68"),
        ("地产", "70"),
        ("三甲医院", "84"),
        ("K12教育培训", "83"),
        ("跨境电商", "52"),
        ("连锁酒店", "61"),
        ("物流公司", "G"),
        ("某某汽车制造有限公司", "36"),
        ("食品制造业有限公司", "14"),
        ("汽车金融", "J"),
        ("煤炭贸易", "51"),
        ("IT服务商", "65"),
        ("金融业 / 保险", "68"),
        ("教育", "83"),
        ("设备", "C"),
        ("unit", None),
        ("服务", None),
        ("火星殖民", None),
        ("", None),
        ("   ", None),
    ],
)
def test_normalise_industry_text(text, expected):
    assert normalise_industry_text(text) == expected


def test_every_division_name_round_trips():
    for code, _section, zh, en in DIVISIONS:
        assert normalise_industry_text(zh) == code
        assert normalise_industry_text(en.upper()) == code
        assert normalise_industry_text(code) == code
