"""The units of Hanoi (departments, sub-departments, vertical agencies and branches, districts, communes)
and matching of the names officials type to their registry codes."""

from __future__ import annotations

import collections
import csv
import gc
import io
import re
from collections import namedtuple
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import count, zip_longest
from pathlib import Path
from typing import TYPE_CHECKING

from sketket.clean import fold, nfc
from sketket.dimensions import PARENT_TIER, SUBMITTER_TIERS

# pandas is imported only where a DataFrame is made or read: an ingest's workers match names without it,
# and start before the main process has imported it.
if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ["code", "tier", "name", "name_with_type", "parent_code", "type"]

# Administrative prefixes as officials abbreviate them; folded (no diacritics), longest first.
_PREFIXES = [
    "uy ban nhan dan", "ubnd", "thi xa", "thi tran", "phuong", "quan", "huyen", "xa",
    "tx", "tt", "p", "q", "h", "x",
]
_PREFIX_RE = re.compile(r"^(?:" + "|".join(re.escape(p) for p in _PREFIXES) + r")\b\s*")
# The abbreviations written out, so that "TT Yên Viên" is the thị trấn where a xã has the same name.
_ABBREVIATIONS = {"tx": "thi xa", "tt": "thi tran", "p": "phuong", "q": "quan", "h": "huyen", "x": "xa"}
_TYPE_WORDS = {
    "quan": "Quận", "huyen": "Huyện", "thi-xa": "Thị xã",
    "phuong": "Phường", "xa": "Xã", "thi-tran": "Thị trấn",
}
# The kind of an administrative unit typed before its name ("UBND xã Thanh Xuân", "P. Phúc Xá"), folded.
_KIND_RE = re.compile(r"^(?:(?:uy ban nhan dan|ubnd)\s+)?(thi xa|thi tran|phuong|quan|huyen|xa|tx|tt|p|q|h|x)\b")


_DISTRICT_KINDS = {"quan", "huyen", "thi xa"}


def typed_kind(name: object) -> str:
    """The kind written before a unit's name, folded and written out ("xa", "phuong", "thi tran", "quan",
    "huyen", "thi xa"); "" when the name has none ("Thanh Xuân", "Sở Tư pháp")."""
    m = _KIND_RE.match(fold(name).strip())
    return _ABBREVIATIONS.get(m.group(1), m.group(1)) if m else ""


def same_kind(typed: object, registry_name: object) -> bool:
    """Whether a name's typed kind is the kind of the unit the registry names `registry_name` ("Xã Thanh
    Xuân" is no Quận Thanh Xuân); a name typed without its kind is of any kind."""
    kind = typed_kind(typed)
    if not kind:
        return True
    own = _KIND_RE.match(fold(registry_name).strip())
    bare = fold(registry_name).strip()[own.end():].strip() if own else ""
    # the whole text is the unit's own name: "Quan Hoa" is Phường Quan Hoa, not a quận named Hoa
    if bare and re.sub(r"^(?:uy ban nhan dan|ubnd)\s+", "", fold(typed).strip()) == bare:
        return True
    own_kind = typed_kind(registry_name)
    # a district's kind mistyped ("huyện Sơn Tây" for Thị xã Sơn Tây) is still that district: no two districts
    # share a name; among communes a kind tells namesakes apart ("Phường Thanh Xuân" is no Xã Thanh Xuân)
    return own_kind in ("", kind) or {own_kind, kind} <= _DISTRICT_KINDS


# Common shorthand in agency names, expanded before comparison (folded form).
_EXPANSIONS = [
    (r"\bbhxh\b", "bao hiem xa hoi"),
    (r"\bkbnn\b", "kho bac nha nuoc"),
    (r"\bthads\b", "thi hanh an dan su"),
    (r"\bnn ptnt\b|\bnn&ptnt\b|\bnnptnt\b", "nong nghiep va phat trien nong thon"),
    (r"\btn mt\b|\btnmt\b", "tai nguyen va moi truong"),
    (r"\bkh dt\b|\bkhdt\b", "ke hoach va dau tu"),
    (r"\bgtvt\b", "giao thong van tai"),
    (r"\btt tt\b|\btttt\b", "thong tin va truyen thong"),
    (r"\bld tb xh\b|\bldtbxh\b", "lao dong thuong binh va xa hoi"),
    (r"\bkh cn\b|\bkhcn\b", "khoa hoc va cong nghe"),
    (r"\bgd dt\b|\bgddt\b", "giao duc va dao tao"),
    (r"\bvh tt\b|\bvhtt\b", "van hoa va the thao"),
    (r"\bqh kt\b|\bqhkt\b", "quy hoach kien truc"),
    (r"\bpccc\b", "phong chay va chua chay"),
    (r"\bhn\b", "ha noi"),
    (r"\bq\b", "quan"),
    (r"\bh\b", "huyen"),
    (r"\btx\b", "thi xa"),
    (r"\btp\b", "thanh pho"),
]


_EXPANSION_RES = [(re.compile(pattern), repl) for pattern, repl in _EXPANSIONS]
_ANY_EXPANSION = re.compile("|".join(pattern for pattern, _ in _EXPANSIONS))
_FILLER_RES = (re.compile(r"\b(thanh pho ha noi|tp ha noi|ha noi|thanh pho)\b"), re.compile(r"\b(va|cua|truc thuoc|tai)\b"))
_SCOPED_TIERS = ("chi_cuc", "nganh_doc_huyen", "xa")  # looked up within their parent
# A sub-unit's name followed by its parent's, after a comma, semicolon or dash, or in brackets: "Xã Liên Hà,
# huyện Đông Anh", "xã Liên Hà - Đông Anh", "Xã Liên Hà (huyện Đông Anh)". The parent is the last part.
_QUALIFIED = re.compile(r"^(?P<unit>.*\S)\s*(?:[,;]|[-–—]|\()\s*(?P<parent>[^,;()\-–—]*[^\s,;()\-–—])\s*\)?\s*$")


_fold = fold  # clean.fold remembers text: one cache shared with the reader

# Close names proposed for a name not found: at most this many keys of a score ≥ the cut-off (0–100, the
# share of letters two keys have in common, in order).
PROPOSAL_LIMIT, PROPOSAL_CUTOFF = 6, 60
# A scope of up to SCAN_ALL keys (Hanoi's whole commune tier has about 2.300) is compared key by key; in a
# larger one (the communes of a national registry), only with the keys sharing a word with the typed name,
# rarest words first, up to about MAX_CANDIDATES keys.
SCAN_ALL, MAX_CANDIDATES = 5000, 2000


_ROMAN_NUMBERS = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8",
                  "ix": "9", "x": "10"}


def _arabic(key: str) -> str:
    """A Roman numeral ending a folded name as the Arabic one: "co nhue i" → "co nhue 1" (officials
    write both; the registry has one)."""
    head, _, last = key.rpartition(" ")
    return f"{head} {_ROMAN_NUMBERS[last]}" if head and last in _ROMAN_NUMBERS else key


def _expand(key: str) -> str:
    if not _ANY_EXPANSION.search(key):  # most names have no shorthand: one search instead of one per pattern
        return key
    for pattern, repl in _EXPANSION_RES:
        key = pattern.sub(repl, key)
    return key


def admin_keys(name: object) -> list[str]:
    """Keys of a district or commune name, dropping one typed prefix at a time:
    "UBND P. Phúc Xá" → ["ubnd p phuc xa", "p phuc xa", "phuc xa"]."""
    key = _arabic(_fold(name) if isinstance(name, str) else fold(name))
    key = re.sub(r"^((?:ubnd )?)t ([tx]) ", r"\1t\2 ", key)  # "T.T Yên Viên", "T.X Sơn Tây": tt, tx
    keys = [key]
    while True:
        word, _, rest = key.partition(" ")
        if word in _ABBREVIATIONS and rest:  # "tt yen vien": also "thi tran yen vien"
            keys.append(f"{_ABBREVIATIONS[word]} {rest}")
        stripped = _PREFIX_RE.sub("", key, count=1).strip()
        if not stripped or stripped == key:
            return keys
        keys.append(stripped)
        key = stripped


def _marked(name: str) -> str:
    """A name lower-cased with its diacritics kept, spaces collapsed: tells namesakes whose folded keys are one
    ("vạn phúc" and "vân phúc" both fold to "van phuc")."""
    return " ".join(nfc(name).casefold().split())


def agency_key(name: object) -> str:
    """Key of an agency name: folded, shorthand expanded, filler words dropped."""
    key = _expand(_arabic(_fold(name) if isinstance(name, str) else fold(name)))
    for pattern in _FILLER_RES:
        key = pattern.sub(" ", key)
    return " ".join(key.split())


class ProposalIndex:
    """The keys of a lookup scope (folded once, when the scope is first asked for close names), searched by
    rapidfuzz; a large scope also gets an index from each word to the keys that contain it."""

    def __init__(self, keys: Iterable[str]):
        self.keys = list(keys)
        self.words: dict[str, list[int]] | None = None
        if len(self.keys) > SCAN_ALL:
            self.words = {}
            for i, key in enumerate(self.keys):
                for word in set(key.split()):
                    self.words.setdefault(word, []).append(i)

    def candidates(self, query: str) -> list[str]:
        """The keys worth scoring against `query`: all of them, or in a large scope those sharing its rarest
        words (in the scope's order, so that ties keep it)."""
        if self.words is None:
            return self.keys
        postings = sorted((self.words.get(w, []) for w in set(query.split())), key=len)
        picked: set[int] = set()
        for posting in postings:
            if picked and len(picked) + len(posting) > MAX_CANDIDATES:
                break
            picked.update(posting)
        return [self.keys[i] for i in sorted(picked)]

    def close(self, query: str, limit: int = PROPOSAL_LIMIT, cutoff: float = PROPOSAL_CUTOFF) -> list[str]:
        """The keys closest to `query` (best first), scoring at least `cutoff`."""
        from rapidfuzz import fuzz, process  # only when a name is not found: not at every start-up

        found = process.extract(query, self.candidates(query), scorer=fuzz.ratio, processor=None,
                                score_cutoff=cutoff, limit=limit)
        return [key for key, _, _ in found]


@dataclass
class Match:
    """The result of matching a typed name: the registry row (or None) and up to three close names."""

    name: str
    code: str = ""
    tier: str = ""
    registry_name: str = ""
    parent_code: str = ""
    suggestions: list[str] = field(default_factory=list)
    # a name that several units of a tier bear under different parents (Registry.match_unique): each of them
    namesakes: list[Match] = field(default_factory=list)
    partial: bool = False  # found in a part of the text ("Bộ phận một cửa xã Văn Võ"), not the text as a whole

    @property
    def matched(self) -> bool:
        return bool(self.code)


_Unit = namedtuple("_Unit", COLUMNS)  # a unit, as units.itertuples(index=False) would give it


def _nfc_all(values: list[str]) -> list[str]:
    """nfc() of each value; codes, tiers and parents repeat, so each distinct value is normalised once."""
    joined = "\x00".join(values)
    if joined.isascii() and len(joined.split()) <= 1:  # no value has a space or a non-ASCII letter: all NFC
        return values
    done: dict[str, str] = {}
    return [done[v] if v in done else done.setdefault(v, nfc(v)) for v in values]


def _given_columns(units: pd.DataFrame | Mapping[str, list[str]]) -> list[list[str]]:
    """The COLUMNS of a units table as lists of text, a missing column or value as ""."""
    if isinstance(units, Mapping):  # columns of text, as read from a CSV file
        size = max((len(v) for v in units.values()), default=0)
        return [list(units[col]) if col in units else [""] * size for col in COLUMNS]
    return [units[col].fillna("").astype(str).tolist() if col in units.columns else [""] * len(units)
            for col in COLUMNS]


class Registry:
    """Units with official codes; lookups are scoped by tier and, for sub-units, by parent."""

    def __init__(self, units: pd.DataFrame | Mapping[str, list[str]]):
        self._given = _given_columns(units)
        # Only codes, tiers and parents are normalised now; a unit's names when the unit is first used,
        # so that an ingest's workers share that work out (at 60 cities it is most of the registry's).
        self._codes, self._tiers, _, _, self._parents, _ = (
            _nfc_all(values) if col in ("code", "tier", "parent_code") else values
            for col, values in zip(COLUMNS, self._given, strict=True))
        self._rows: list[_Unit | None] = [None] * len(self._codes)
        self._index = {code: i for i, code in enumerate(self._codes)}  # a repeated code: the last one
        # The rows of each lookup scope, in registry order; a scope's keys are built when it is first
        # searched (an ingest searches each scope from one file or a few).
        self._scope_rows: dict[tuple[str, str], list[int]] = {}
        for i, tier, parent in zip(count(), self._tiers, self._parents):
            key = (tier, parent) if tier in _SCOPED_TIERS else (tier, "")
            scope = self._scope_rows.get(key)
            if scope is None:
                self._scope_rows[key] = [i]
            else:
                scope.append(i)
        self._verbatim: dict[tuple[str, str], dict[str, int]] = {}
        self._exact: dict[tuple[str, str], dict[str, str]] = {}
        self._shared: dict[tuple[str, str], dict[str, list[str]]] = {}
        self._keys: dict[tuple[str, str], dict[str, str]] = {}
        # Several scopes searched together (a sub-unit whose parent is unknown: the whole tier) are merged
        # once per (tiers, parent), and each searched set of keys gets its proposal index once.
        self._scope_lists: dict[tuple, list[tuple[str, str]]] = {}
        self._merged: dict[tuple, dict[str, str]] = {}
        self._proposals: dict[tuple, ProposalIndex] = {}
        self._units: pd.DataFrame | None = None

    @property
    def units(self) -> pd.DataFrame:
        """Every unit (columns COLUMNS), text normalised to NFC; name_with_type defaults to name."""
        if self._units is None:
            import pandas as pd

            rows = [self._row(i) for i in range(len(self._rows))]
            columns = list(zip(*rows, strict=True)) if rows else [() for _ in COLUMNS]
            self._units = pd.DataFrame({c: list(v) for c, v in zip(COLUMNS, columns, strict=True)},
                                       columns=COLUMNS)
        return self._units

    def _row(self, i: int) -> _Unit:
        row = self._rows[i]
        if row is None:
            name, with_type, kind = self._given[2][i], self._given[3][i], self._given[5][i]
            name = nfc(name)
            row = self._rows[i] = _Unit(self._codes[i], self._tiers[i], name, nfc(with_type) or name,
                                        self._parents[i], nfc(kind))
        return row

    def _found(self, result: Match, code: str) -> Match:
        i = self._index[code]
        r = self._rows[i]
        # a unit matched once (each row of an ingest is a different unit): only the name the match gives is
        # normalised, not the whole row
        registry_name = r.name_with_type if r is not None else nfc(self._given[3][i]) or nfc(self._given[2][i])
        result.code, result.tier = self._codes[i], self._tiers[i]
        result.registry_name, result.parent_code = registry_name, self._parents[i]
        return result

    def _by_code(self, code: str) -> _Unit | None:
        i = self._index.get(code)
        return None if i is None else self._row(i)

    def _verbatim_names(self, scope: tuple[str, str]) -> dict[str, int]:
        """The names of a scope's units exactly as the registry writes them → their rows: the names that
        the exact keys are folded from (a district's or commune's name and name with type, an agency's
        name), so that a name typed as the registry writes it (the blank tables come pre-filled with
        them) is found without folding either side. Registry order: the first unit keeps a shared name."""
        bucket = self._verbatim.get(scope)
        if bucket is None:
            bucket = self._verbatim[scope] = {}
            names, with_type = self._given[2], self._given[3]
            admin = scope[0] in ("huyen", "xa")
            for i in self._scope_rows.get(scope, ()):
                bucket.setdefault(names[i], i)
                if admin and with_type[i]:
                    bucket.setdefault(with_type[i], i)
            for name in [n for n in bucket if _arabic(_fold(n)) in self._shared_keys(scope)]:
                del bucket[name]  # "Yên Viên": the thị trấn's and the xã's, never guessed
        return bucket

    def _exact_keys(self, scope: tuple[str, str]) -> dict[str, str]:
        """Exact key (a unit's own name) → code within a scope. A key two units of the scope share (Gia Lâm has a
        thị trấn Yên Viên and a xã Yên Viên: "Yên Viên" is either) is no unit's: only the name with its type
        finds one, and the bare name is unmatched, with both as suggestions, never guessed."""
        bucket = self._exact.get(scope)
        if bucket is None and scope in self._scope_rows:
            bucket = self._exact[scope] = {}
            for r in map(self._row, self._scope_rows[scope]):
                for key in self._keys_for(r, True):
                    bucket.setdefault(key, r.code)
            for key in self._shared_keys(scope):
                del bucket[key]
        return bucket or {}

    def bearers(self, name: object, tier: str) -> list[str]:
        """The registry names of the units of one scope that all bear `name` as written ("Yên Viên": Thị trấn
        Yên Viên, Xã Yên Viên), which is why it matches none of them; [] for any other name."""
        text = nfc(name)
        return self._bearing(text, self._scopes_of((tier,), None), admin_keys(text) if text else [])

    def _bearing(self, text: str, scopes: Iterable[tuple[str, str]], keys: list[str]) -> list[str]:
        """The registry names of the units of the first of `scopes` that share one of `keys` (_shared_keys)."""
        codes = next((self._shared_keys(scope)[k] for scope in scopes for k in keys if k in self._shared_keys(scope)),
                     [])
        return [self._found(Match(name=text), c).registry_name for c in codes]

    def _shared_keys(self, scope: tuple[str, str]) -> dict[str, list[str]]:
        """The exact keys of a name that several units of a scope bear as written (a thị trấn and a xã "Yên
        Viên"), each with their codes (registry order). Two spellings that only fold alike ("Hòa Lâm", "Hoà
        Lâm") are not one name: the spelling typed decides, as _verbatim_names has it."""
        shared = self._shared.get(scope)
        if shared is None:
            rows = list(map(self._row, self._scope_rows.get(scope, ())))
            names = collections.Counter(r.name for r in rows)
            owners: dict[str, list[str]] = {}
            for r in rows:
                if names[r.name] > 1:
                    for key in self._keys_for(r, True):
                        if r.code not in owners.setdefault(key, []):
                            owners[key].append(r.code)
            shared = self._shared[scope] = {k: codes for k, codes in owners.items() if len(codes) > 1}
        return shared

    def _scope_keys(self, scope: tuple[str, str]) -> dict[str, str]:
        """Key → code within a scope. Exact keys first for every unit, so that a stripped key
        ("Quán Thánh" → "thanh") never shadows another unit's own name."""
        bucket = self._keys.get(scope)
        if bucket is None and scope in self._scope_rows:
            bucket = self._keys[scope] = dict(self._exact_keys(scope))
            shared = self._shared_keys(scope)
            for r in map(self._row, self._scope_rows[scope]):
                for key in self._keys_for(r, False):
                    if key not in shared:
                        bucket.setdefault(key, r.code)
        return bucket or {}

    @staticmethod
    def _keys_for(r, exact: bool) -> Iterable[str]:
        if r.tier in ("huyen", "xa"):
            if exact:
                yield _arabic(_fold(r.name))
                yield _arabic(_fold(r.name_with_type))
            else:
                # the name with its type stripped down to the unit's own name, never further: "Phương Mai" is
                # no "Mai" (a given name), "Quán Thánh" no "Thanh" (its first word folds like a type word)
                own = _arabic(_fold(r.name))
                for key in admin_keys(r.name_with_type)[1:]:
                    if len(key) < len(own):
                        break
                    yield key
        elif exact:
            yield agency_key(r.name)
            yield _fold(r.name)

    # -- queries -------------------------------------------------------------------------------------
    def unit(self, code: str) -> pd.Series | None:
        import pandas as pd

        r = self._by_code(code)
        return None if r is None else pd.Series(r._asdict())

    def name_of(self, code: str) -> str:
        r = self._by_code(code)
        return "" if r is None else r.name_with_type

    def tier_units(self, tier: str, parent_code: str | None = None) -> pd.DataFrame:
        df = self.units[self.units["tier"] == tier]
        if parent_code is not None:
            df = df[df["parent_code"] == parent_code]
        return df

    def children(self, code: str) -> pd.DataFrame:
        return self.units[self.units["parent_code"] == code]

    def expected_submitters(self) -> pd.DataFrame:
        """Units that owe the Sở Nội vụ a table: departments, city-level vertical agencies, districts."""
        return self.units[self.units["tier"].isin(list(SUBMITTER_TIERS))]

    # -- matching ------------------------------------------------------------------------------------
    def _scopes_of(self, tiers: tuple[str, ...], parent_code: str | None) -> list[tuple[str, str]]:
        """The lookup scopes of a search, listed once per (tiers, parent): a sub-unit of an unknown parent
        searches every parent's scope of its tier, thousands in a national registry."""
        key = (tiers, parent_code)
        scopes = self._scope_lists.get(key)
        if scopes is None:
            scopes = self._scope_lists[key] = []
            for t in tiers:
                if t not in _SCOPED_TIERS:  # one scope per top tier: no need to scan every parent's scope
                    scopes.append((t, ""))
                else:
                    scopes += [(t, parent_code)] if parent_code else [s for s in self._scope_rows if s[0] == t]
        return scopes

    def match(self, name: object, tier: str | Iterable[str], parent_code: str | None = None, *,
              suggest: bool = True) -> Match:
        """Match a typed name within a tier (and, for sub-units, within its parent); when it is not found and
        `suggest`, with up to three close names (a fuzzy search: the costly part of a miss)."""
        text = nfc(name)
        tiers = [tier] if isinstance(tier, str) else list(tier)
        result = Match(name=text)
        if not text:
            return result
        scopes = self._scopes_of(tuple(tiers), parent_code)
        if len(scopes) == 1:
            row = self._verbatim_names(scopes[0]).get(text)
            if row is not None:
                return self._found(result, self._codes[row])
        admin = any(t in ("huyen", "xa") for t in tiers)
        first = _arabic(_fold(text)) if admin else agency_key(text)  # = admin_keys(text)[0]
        # In one scope, a name typed as in the registry is found among the units' own names, which win
        # over any stripped key: the stripped keys are built only when that fails.
        code = self._exact_keys(scopes[0]).get(first) if len(scopes) == 1 else None
        if code:
            return self._found(result, code)
        keys = admin_keys(text) if admin else [first, _fold(text)]
        # one scope (the usual case) is searched as it is; several are merged once, a later one winning a key
        searched = (scopes[0],) if len(scopes) == 1 else (tuple(tiers), parent_code)
        if len(scopes) == 1:
            candidates = self._scope_keys(scopes[0])
        else:
            candidates = self._merged.get(searched)
            if candidates is None:
                candidates = self._merged[searched] = {k: v for scope in scopes
                                                      for k, v in self._scope_keys(scope).items()}
        for key in keys:
            code = candidates.get(key)
            if code:
                return self._found(result, code)
        # a name two units of one scope share: those two are the suggestions, whatever the fuzzy search says
        same = self._bearing(text, scopes, keys)
        if same:
            result.suggestions = same[:3]
            return result
        if not suggest:
            return result
        index = self._proposals.get(searched)
        if index is None:
            index = self._proposals[searched] = ProposalIndex(candidates)
        names: list[str] = []
        for key in index.close(keys[0]):
            n = self._row(self._index[candidates[key]]).name_with_type
            if n not in names:
                names.append(n)
        result.suggestions = names[:3]
        return result

    def namesakes(self, name: object, tier: str) -> list[Match]:
        """The units of `tier` that `name` matches each within its own parent's scope (as match(name, tier,
        parent) finds it), registry order. When some are found by a fuller key than others, only those:
        "Phường Minh Khai" is the two phường Minh Khai, not xã Minh Khai; "Minh Khai" is all three."""
        text = nfc(name)
        if not text:
            return []
        keys = admin_keys(text) if tier in ("huyen", "xa") else [agency_key(text), _fold(text)]
        found: list[tuple[int, str]] = []
        for scope in self._scopes_of((tier,), None):
            candidates = self._scope_keys(scope)
            hit = next(((rank, candidates[key]) for rank, key in enumerate(keys) if key in candidates), None)
            if hit is not None:
                found.append(hit)
        best = min((rank for rank, _ in found), default=0)
        return [self._found(Match(name=text), code) for rank, code in found if rank == best]

    def _same_marks(self, name: str, same: list[Match]) -> list[Match]:
        """Of namesakes, those whose name `name` writes with the same marks ("Xã Vạn Phúc" is not "Xã Vân Phúc",
        which folds alike); all of them when none or the name has no marks."""
        typed = _marked(name)
        kept = [m for m in same if re.search(rf"(^|\s){re.escape(_marked(self._by_code(m.code).name))}$", typed)]
        return kept or same

    def match_unique(self, name: object, tier: str, prefer_parent: str = "", *, suggest: bool = True) -> Match:
        """A unit of a tier looked up within its parent, the parent not known: the one unit of the tier that
        `name` matches, never one guessed among namesakes ("Xã Liên Hà" is in Đông Anh and in Đan Phượng).
        Among namesakes, the one under `prefer_parent` when there is one (the parent a file is about); else
        unmatched, with the namesakes (and their names as suggestions)."""
        same = self.namesakes(name, tier)
        if prefer_parent and len(same) > 1:  # the parent a file is about first: a mark mistyped stays its unit's
            same = [m for m in same if m.parent_code == prefer_parent] or same
        if len(same) > 1:
            same = self._same_marks(nfc(name), same)
        if len(same) == 1:
            return same[0]
        if not same:
            return self.match(name, tier, suggest=suggest)
        return Match(name=nfc(name), suggestions=[m.registry_name for m in same][:3], namesakes=same)

    def match_qualified(self, name: object, tier: str) -> Match:
        """A sub-unit named with its parent after it ("Xã Liên Hà, huyện Đông Anh", "xã Liên Hà - Đông Anh",
        "Xã Liên Hà (huyện Đông Anh)"): matched within that parent. Unmatched, with no suggestions, when the
        name has no such part, the part is not a unit of the parent tier, or that unit has no such sub-unit."""
        text = nfc(name)
        result = Match(name=text)
        parts = _QUALIFIED.match(text)
        parent_tier = PARENT_TIER.get(tier)
        if parts is None or parent_tier is None:
            return result
        parent = self.match(parts["parent"], parent_tier, suggest=False)
        if not parent.matched:
            return result
        found = self.match(parts["unit"], tier, parent.code, suggest=False)
        found.name = text
        return found if found.matched else result


def _read_csv(f: io.TextIOBase | Iterable[str], lines: list[int] | None = None) -> dict[str, list[str]]:
    """A CSV file's columns as lists of text, a missing value as "" (as pandas reads it with dtype=str and
    keep_default_na=False); the line number of each row is appended to `lines` when given."""
    text = f.read() if isinstance(f, io.TextIOBase) else "".join(f)
    split = _split_csv(text) if "\r" not in text else None
    if split is not None:
        columns, numbers = split
        if lines is not None:
            lines += numbers
        return columns
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    rows = []
    for row in reader:
        if row:  # blank lines are skipped, as pandas skips them
            rows.append(row)
            if lines is not None:
                lines.append(reader.line_num)
    return _columns(header, rows)


def _split_csv(text: str) -> tuple[dict[str, list[str]], Sequence[int]] | None:
    """The columns of a CSV text whose rows are each one line as wide as the header, and the line number of
    each row; None for any other (csv.reader then reads it). The lines without quotes (nearly all: a
    60-city registry has 52.800 rows, 60 quoted) are split, not parsed: the columns are slices of one split
    of them all, with no list per row (a fifth of csv.reader's time); the quoted ones are parsed apart."""
    physical = text.split("\n")
    head, body = physical[0], physical[1:]
    if head.count('"') % 2:
        return None
    try:  # strict, as the rows below: a quoted field left open is csv.reader's to read
        header = next(csv.reader([head], strict=True), []) if '"' in head else head.split(",") if head else []
    except csv.Error:
        return None
    width = len(header)
    if "" in body:  # blank lines are skipped, as pandas skips them
        numbers: Sequence[int] = [n for n, line in enumerate(body, start=2) if line]
        body = [line for line in body if line]
    else:
        numbers = range(2, len(body) + 2)
    quoted = [i for i, line in enumerate(body) if '"' in line] if '"' in text else []
    if any(body[i].count('"') % 2 for i in quoted):  # a quoted field goes on to the next line
        return None
    try:  # strict: a line that ends inside a quoted field raises instead of closing it
        parsed = [row for i in quoted for row in csv.reader([body[i]], strict=True)]
    except csv.Error:
        return None
    plain = body
    if quoted:
        skip = set(quoted)
        plain = [line for i, line in enumerate(body) if i not in skip]
    if (not width or len(parsed) != len(quoted) or any(len(row) != width for row in parsed)
            or not all(line.count(",") == width - 1 for line in plain)):
        return None
    cells = ",".join(plain).split(",") if plain else []
    columns = [cells[i::width] for i in range(width)]
    for i, row in zip(quoted, parsed, strict=True):  # in row order, each at its place
        for column, value in zip(columns, row, strict=True):
            column.insert(i, value)
    return dict(zip(header, columns, strict=True)), numbers


def _columns(header: list[str], rows: list[list[str]]) -> dict[str, list[str]]:
    columns = zip_longest(*rows, fillvalue="") if rows else [[] for _ in header]  # a short row: ""s
    return {name: list(values) for name, values in zip(header, columns, strict=False)}  # longer rows: extras dropped


def _data_csv(name: str) -> dict[str, list[str]]:
    with resources.files("sketket.data").joinpath(name).open(encoding="utf-8", newline="") as f:
        return _read_csv(f)


def _admin_units() -> dict[str, list[str]]:
    units = _data_csv("hanoi-don-vi-hanh-chinh-2017.csv")
    units["tier"] = units.pop("level")
    units["parent_code"] = ["" if tier == "huyen" else parent
                            for tier, parent in zip(units["tier"], units["parent_code"], strict=True)]
    return units


class RegistryError(ValueError):
    """A user's registry file that cannot be used; the message (Vietnamese) names the file and the row."""


# A unit code becomes part of file names (a district's pack is "<code>-<name>.html"): letters, digits and
# . _ - only, starting with a letter or digit, so that no code can name a folder or leave reports/.
_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,39}")


# Every code of a column at once (one regular expression over the column joined by newlines: a national
# registry has 100.000 codes); a column that fails it is looked at code by code to name the first bad one.
_ALL_CODES = {True: re.compile(rf"(?:{_CODE.pattern})(?:\n{_CODE.pattern})*"),
              False: re.compile(rf"(?:{_CODE.pattern})?(?:\n(?:{_CODE.pattern})?)*")}


def check_codes(units: Mapping[str, list[str]], source: str, lines: list[int] | None = None) -> None:
    """Raise RegistryError at the first code or parent code that is not a safe unit code."""
    for column, required in (("code", True), ("parent_code", False)):
        codes = units.get(column, [])
        text = "\n".join(codes)
        if ".." not in text and (not codes or _ALL_CODES[required].fullmatch(text)):
            continue
        for i, code in enumerate(codes):
            code = code.strip()
            if (code or required) and (not _CODE.fullmatch(code) or ".." in code):
                line = lines[i] if lines else i + 2
                shown = f'"{code}"' if code else "(trống)"
                raise RegistryError(
                    f"Tệp danh mục {source}, dòng {line}: mã đơn vị ở cột {column} là {shown}, không hợp lệ; "
                    "mã chỉ gồm chữ cái không dấu, chữ số và các dấu . _ - (tối đa 40 ký tự), bắt đầu bằng "
                    "chữ cái hoặc chữ số, ví dụ 001 hoặc S01.01.")


def load_registry(path: str | Path | None = None) -> Registry:
    """The default registry (Hanoi 2017), or a user's file with columns code, tier, name, parent_code
    (and optionally name_with_type, type), which then replaces it entirely. Raises RegistryError when a
    code of the file could not safely name a file."""
    if path is not None:
        with _collection_paused():
            lines: list[int] = []
            with open(path, encoding="utf-8-sig", newline="") as f:
                units = _read_csv(f, lines)
            check_codes(units, str(path), lines)
            if "level" in units and "tier" not in units:
                units["tier"] = units.pop("level")
            return Registry(units)
    return _default_registry()


@contextmanager
def _collection_paused() -> Iterator[None]:
    """Python's garbage collector paused while a registry is built: its tens of thousands of lists and
    tuples set off collection after collection, each walking every column read so far (two thirds of
    building a 60-city registry); none of them makes a cycle to collect."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@lru_cache(maxsize=1)
def _default_registry() -> Registry:
    with _collection_paused():
        return _registry_of_package()


def _registry_of_package() -> Registry:
    agencies, admin = _data_csv("agencies.csv"), _admin_units()
    size = (len(agencies["code"]), len(admin["code"]))
    return Registry({col: agencies.get(col, [""] * size[0]) + admin.get(col, [""] * size[1]) for col in COLUMNS})


def type_word(type_code: str) -> str:
    return _TYPE_WORDS.get(type_code, "")
