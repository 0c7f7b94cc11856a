import csv
import io
import unicodedata

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sketket.registry import Registry, _columns, _read_csv, _split_csv, load_registry


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


@pytest.mark.parametrize(
    ("typed", "codes"),
    [
        ("UBND xã Liên Hà", ["00484", "09802"]),  # Đông Anh, Đan Phượng
        ("Phường Minh Khai", ["00295", "00613"]),  # Hai Bà Trưng, Bắc Từ Liêm; not xã Minh Khai (Hoài Đức)
        ("Minh Khai", ["00295", "00613", "09838"]),
        ("UBND xã Minh Khai", ["09838"]),
        ("Phường Quán Thánh", ["00013"]),
    ],
)
def test_namesakes_are_the_units_a_name_matches_under_each_parent(reg, typed, codes):
    assert [m.code for m in reg.namesakes(typed, "xa")] == codes


def test_a_name_several_districts_have_is_never_guessed(reg):
    m = reg.match_unique("UBND xã Liên Hà", "xa")
    assert not m.matched and [(s.code, s.parent_code) for s in m.namesakes] == [("00484", "017"), ("09802", "273")]
    assert reg.match_unique("UBND xã Liên Hà", "xa", prefer_parent="017").code == "00484"
    assert reg.match_unique("UBND xã Liên Hà", "xa", prefer_parent="001").namesakes  # not one of theirs
    assert reg.match_unique("Phường Phúc Xá", "xa").code == "00001"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("UBND xã Liên Hà, huyện Đông Anh", "00484"),
        ("xã Liên Hà - huyện Đông Anh", "00484"),
        ("Xã Liên Hà – H. Đông Anh", "00484"),
        ("Xã Liên Hà (Đông Anh)", "00484"),
        ("Xã Liên Hà (huyện Đan Phượng)", "09802"),
        ("Phường Minh Khai, quận Hai Bà Trưng", "00295"),
        ("Phường Lê Lợi; TX Sơn Tây", "09574"),
        ("Xã Liên Hà, huyện Phúc Thọ", ""),  # Phúc Thọ has no xã Liên Hà
        ("Xã Liên Hà", ""),
        ("Sở Lao động - Thương binh và Xã hội", ""),
    ],
)
def test_a_commune_named_with_its_district(reg, typed, code):
    m = reg.match_qualified(typed, "xa")
    assert m.code == code and m.name == typed


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


def test_proposals_scan_a_small_scope_whole():
    from sketket.registry import ProposalIndex

    index = ProposalIndex(["phuc xa", "phuc tan", "quan thanh", "truc bach", "phuc la"])
    assert index.words is None and index.candidates("truc bac") == index.keys
    assert index.close("phuc xaa") == ["phuc xa", "phuc la", "phuc tan"]  # scores 93, 80, 75
    assert index.close("truc bac") == ["truc bach"]  # "phuc xa" scores 53, under the cut-off of 60


def test_proposals_in_a_large_scope_look_only_at_keys_sharing_a_rare_word(monkeypatch):
    import sketket.registry as registry_module

    monkeypatch.setattr(registry_module, "SCAN_ALL", 3)
    monkeypatch.setattr(registry_module, "MAX_CANDIDATES", 3)
    keys = ["xa phuc xa", "xa phuc tan", "xa quan thanh", "xa truc bach", "xa phuc la", "xa phuc xa 2"]
    index = registry_module.ProposalIndex(keys)
    assert index.words is not None and index.words["phuc"] == [0, 1, 4, 5]
    # "xa" is in every key and "phuc" in four: the rarest word that helps is "truc"
    assert index.candidates("xa truc bac") == ["xa truc bach"]
    assert index.close("xa truc bac") == ["xa truc bach"]
    # a word of no key adds nothing; "phuc" alone is taken whole, even past MAX_CANDIDATES
    assert index.candidates("xa phuc xaa") == ["xa phuc xa", "xa phuc tan", "xa phuc la", "xa phuc xa 2"]
    assert index.close("xa phuc xaa")[0] == "xa phuc xa"


def test_unknown_parent_searches_the_whole_tier_once_merged():
    reg = Registry(load_registry().units)  # a registry of its own: the default one is shared by every test
    m = reg.match("Phường Phúc Xáa", "xa")
    assert not m.matched and m.suggestions[0] == "Phường Phúc Xá"
    assert list(reg._merged) == [(("xa",), None)] and len(reg._merged[(("xa",), None)]) > 584
    assert reg.match("Phường Quán Thánhh", "xa").suggestions[0] == "Phường Quán Thánh"
    assert list(reg._proposals) == [(("xa",), None)]  # the merged tier's keys indexed once, not per name


def test_every_unit_is_found_by_its_names_as_the_registry_writes_them(reg):
    """The verbatim names (the blank tables are pre-filled with them) find each unit itself, in its own
    scope, as the folded keys would; a name in decomposed form (NFD) is not verbatim and is still found."""
    units = reg.units
    shared = units.duplicated(["tier", "parent_code", "name"], keep=False)  # Thị trấn and Xã Yên Viên
    for u, name_is_shared in zip(units.itertuples(index=False), shared, strict=True):
        parent = u.parent_code if u.tier in ("chi_cuc", "nganh_doc_huyen", "xa") else None
        assert reg.match(u.name_with_type, u.tier, parent).code == u.code, (u.name_with_type, u.code)
        if not name_is_shared:
            assert reg.match(u.name, u.tier, parent).code == u.code, (u.name, u.code)
    commune = units[units["tier"] == "xa"].iloc[0]
    fresh = load_registry()
    decomposed = unicodedata.normalize("NFD", commune["name_with_type"])
    assert fresh.match(decomposed, "xa", commune["parent_code"]).code == commune["code"]


def test_a_verbatim_name_wins_over_another_unit_folding_to_the_same_key():
    reg = Registry(pd.DataFrame({
        "code": ["1", "11", "12"], "tier": ["huyen", "xa", "xa"],
        "name": ["Huyện Mỹ Đức", "Hòa Lâm", "Hoà Lâm"], "name_with_type": ["Huyện Mỹ Đức", "Xã Hòa Lâm", "Xã Hoà Lâm"],
        "parent_code": ["", "1", "1"], "type": ["Huyện", "Xã", "Xã"]}))
    assert reg.match("Xã Hoà Lâm", "xa", "1").code == "12"  # typed as the second unit writes it
    assert reg.match("xa hoa lam", "xa", "1").code == "11"  # folded: the first in registry order


_CELLS = ["", "a", "Sở", '"b,c"', '"d""e"', '"g\nh"', 'i"j', '"k"', '"l"m', '""', " x "]


@settings(max_examples=400, deadline=None)
@given(st.integers(1, 4), st.lists(st.lists(st.sampled_from(_CELLS), min_size=0, max_size=5), max_size=6),
       st.sampled_from(["", "\n", "\n\n"]), st.sampled_from(["\n", "\n\n"]), st.booleans())
def test_a_registry_csv_is_split_as_csv_reader_reads_it(width, rows, end, between, quoted_header):
    """The split of a registry file (registry._split_csv, rows of one line each) gives the columns and line
    numbers csv.reader gives, whatever quoting, blank lines, short or long rows the file has."""
    header = ",".join(['"h,0"' if quoted_header else "h0", *(f"h{i}" for i in range(1, width))])
    text = header + "\n" + between.join(",".join(cells) for cells in rows) + end
    reader = csv.reader(io.StringIO(text, newline=""))
    head = next(reader, [])
    expected_rows, expected_lines = [], []
    for row in reader:
        if row:
            expected_rows.append(row)
            expected_lines.append(reader.line_num)
    lines: list[int] = []
    assert _read_csv(io.StringIO(text), lines) == _columns(head, expected_rows)
    assert lines == expected_lines


def test_a_registry_csv_of_plain_and_quoted_rows_is_split_not_parsed():
    text = 'code,name\nS01,Sở Nội vụ\nS11.01,"Chi cục Phòng, chống tệ nạn"\n\nS02,"Sở ""Tư pháp"""\n'
    columns, numbers = _split_csv(text)
    assert columns == {"code": ["S01", "S11.01", "S02"],
                       "name": ["Sở Nội vụ", "Chi cục Phòng, chống tệ nạn", 'Sở "Tư pháp"']}
    assert list(numbers) == [2, 3, 5]
    assert _split_csv('code,name\nS01,"Sở\nNội vụ"\n') is None  # a field over two lines: csv.reader reads it
    assert _split_csv('a"b,"c\nd",e"\n') is None  # the header's quoted field goes on to the next line


def test_a_match_without_suggestions_finds_the_same_unit_and_builds_no_fuzzy_index():
    reg = Registry(load_registry().units)
    assert reg.match("phường quán thánh", "xa", suggest=False).code == reg.match("phường quán thánh", "xa").code
    miss = reg.match("Phường Quán Thánhh", "xa", suggest=False)
    assert not miss.matched and miss.suggestions == []
    assert reg._proposals == {}  # a miss without suggestions never paid for the fuzzy index
    assert reg.match("Phường Quán Thánhh", "xa").suggestions[0] == "Phường Quán Thánh"


def test_a_name_a_thi_tran_and_a_xa_of_one_district_both_bear_is_never_guessed():
    """Gia Lâm has a thị trấn Yên Viên and a xã Yên Viên: the bare name is neither (unmatched, both suggested,
    in the tables and the dossier logs alike); the name with its type, written out or abbreviated, is one."""
    reg = load_registry()
    for typed in ("Yên Viên", "yen vien", "UBND Yên Viên"):
        m = reg.match(typed, "xa", "018")
        assert not m.matched and m.suggestions == ["Thị trấn Yên Viên", "Xã Yên Viên"], typed
        assert not reg.match(typed, "xa").matched
    assert [reg.match(t, "xa").code for t in ("Thị trấn Yên Viên", "TT Yên Viên", "TT. Yên Viên", "Xã Yên Viên",
                                              "X. Yên Viên", "xa yen vien", "T.T Yên Viên", "UBND T.T. Yên Viên")] == (
        ["00526"] * 3 + ["00532"] * 3 + ["00526"] * 2)
