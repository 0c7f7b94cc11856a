import unicodedata

import pandas as pd
import pytest

from sketket.registry import Registry, load_registry


@pytest.fixture(scope="module")
def reg() -> Registry:
    return load_registry()


def test_default_registry_has_hanoi_2017(reg):
    counts = reg.units["tier"].value_counts()
    assert counts["huyen"] == 30
    assert counts["xa"] == 584
    assert counts["so"] >= 20
    assert counts["nganh_doc_tp"] >= 8
    assert (reg.units.loc[reg.units.tier == "huyen", "code"].str.len() == 3).all()
    assert (reg.units.loc[reg.units.tier == "xa", "code"].str.len() == 5).all()
    # every sub-unit points at an existing parent of the right tier
    parents = dict(zip(reg.units.code, reg.units.tier, strict=True))
    for tier, parent_tier in [("xa", "huyen"), ("chi_cuc", "so"), ("nganh_doc_huyen", "nganh_doc_tp")]:
        sub = reg.units[reg.units.tier == tier]
        assert sub["parent_code"].map(parents).eq(parent_tier).all(), tier
    assert reg.match("Ban Quản lý các khu công nghiệp và chế xuất Hà Nội", "so").matched


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("P. Phúc Xá", "00001"),
        ("UBND phường Vĩnh Phúc", "00006"),
        ("phường cống vị", "00007"),
        ("Phuong Cong Vi", "00007"),
        ("  Phường   Phúc Xá ", "00001"),
        (unicodedata.normalize("NFD", "Phường Phúc Xá"), "00001"),
        ("Quán Thánh", "00013"),
    ],
)
def test_commune_names_as_officials_type_them(reg, typed, code):
    assert reg.match(typed, "xa", parent_code="001").code == code


@pytest.mark.parametrize(
    ("typed", "code"),
    [("Q. Ba Đình", "001"), ("TX. Sơn Tây", "269"), ("H. Ba Vì", "271"), ("UBND huyện Mê Linh", "250"),
     ("Quan Dong Da", "006")],
)
def test_district_abbreviations(reg, typed, code):
    assert reg.match(typed, "huyen").code == code


def test_commune_matching_is_scoped_to_its_district(reg):
    # Phúc Xá is in Ba Đình (001), not in Hoàn Kiếm (002)
    assert not reg.match("Phúc Xá", "xa", parent_code="002").matched
    tt = reg.match("TT. Phùng", "xa", parent_code="273")
    assert tt.matched and tt.registry_name == "Thị trấn Phùng"


def test_agency_shorthand(reg):
    assert reg.match("Sở NN&PTNT", "so").code == "S06"
    assert reg.match("Chi cục Thuế Q. Ba Đình", "nganh_doc_huyen", parent_code="N01").code == "N01.001"
    assert reg.match("BHXH huyện Ba Vì", "nganh_doc_huyen", parent_code="N02").code == "N02.271"


def test_unmatched_name_proposes_closest(reg):
    m = reg.match("Phường Phúc Xáa", "xa", parent_code="001")
    assert not m.matched and m.code == ""
    assert m.suggestions[0] == "Phường Phúc Xá"


def test_user_registry_wins(tmp_path):
    path = tmp_path / "reg.csv"
    pd.DataFrame(
        [
            {"code": "100", "tier": "huyen", "name": "Thành phố Thử", "parent_code": ""},
            {"code": "10001", "tier": "xa", "name": "Phường Một", "parent_code": "100"},
        ]
    ).to_csv(path, index=False, encoding="utf-8-sig")
    reg = load_registry(path)
    assert len(reg.units) == 2
    assert reg.match("P. Một", "xa", parent_code="100").code == "10001"
    assert not reg.match("Phúc Xá", "xa").matched
