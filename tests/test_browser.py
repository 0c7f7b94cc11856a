"""The index and the city pack opened from disk in headless Chromium, as a leader would open an email
attachment: no console error, no request outside the file, every image drawn, the Vietnamese text there.
Screenshots go to reports/screenshots/ for a person to look at."""

import json
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "reports" / "screenshots"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,900"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                       reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"),
]


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    from pack_data import small_run

    return small_run(tmp_path_factory.getbasetemp() / "small-run")


def requested_urls(driver) -> list[str]:
    """Every URL the page asked for, from Chromium's network log."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def open_page(driver, path: Path, shot: str, first_screen: str | None = None) -> None:
    """Open a page from disk and keep its screenshot (whole page; and what a 1280×900 screen shows first,
    under `first_screen`)."""
    driver.get_log("performance")  # drop what earlier pages logged
    driver.set_window_size(1280, 900)
    driver.get(path.resolve().as_uri())
    if first_screen:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(SCREENSHOTS / first_screen))
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1280, min(height + 120, 8000))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / shot))


def check_page(driver) -> None:
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []
    urls = requested_urls(driver)
    assert any(u.startswith("file:") for u in urls)  # the network log works: the page itself is in it
    assert [u for u in urls if urlparse(u).scheme not in ("file", "data")] == []
    images = driver.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.src.slice(0, 22)])")
    assert all(done and width > 0 for done, width, _ in images), images
    assert all(src.startswith("data:image/png") for _, _, src in images)


def test_index_opens_from_disk_and_links_the_packs(browser, small_run):
    code, reports = small_run
    assert code == 0
    open_page(browser, reports / "index.html", "index.png")
    check_page(browser)
    text = browser.find_element("tag name", "body").text
    assert "Bộ tài liệu Hội nghị sơ kết" in text and "Quận Ba Đình – sơ kết cơ chế một cửa" in text
    assert browser.execute_script("return document.documentElement.lang") == "vi"
    links = [a.get_attribute("href") for a in browser.find_elements("tag name", "a")]
    city = next(u for u in links if u.endswith("/city/thanh-pho-ha-noi.html"))
    assert Path(urlparse(city).path).is_file()


def test_city_pack_renders_offline_with_its_charts(browser, small_run):
    _, reports = small_run
    open_page(browser, reports / "latest" / "city" / "thanh-pho-ha-noi.html", "city-pack.png")
    check_page(browser)
    assert browser.title.startswith("Hội nghị sơ kết cơ chế một cửa")
    text = browser.find_element("tag name", "body").text
    for words in ["Tóm tắt cho lãnh đạo", "Hồ sơ giải quyết đúng hạn", "Kết quả nổi bật", "Hạn chế, tồn tại",
                  "Kiến nghị được nhiều đơn vị nêu nhất", "Đề xuất khen thưởng",
                  "Chất lượng số liệu", "366.167"]:
        assert words in text
    assert browser.execute_script("return document.images.length") >= 2
    # the unit named like a script is text on the page, never a script
    assert "<script>alert(1)</script>" in text
    assert browser.execute_script("return document.scripts.length") == 0


def test_district_pack_keeps_its_screenshot(browser, small_run):
    _, reports = small_run
    open_page(browser, reports / "latest" / "district" / "001-quan-ba-dinh.html", "district-pack.png")
    check_page(browser)
    assert "Phường Trúc Bạch" in browser.find_element("tag name", "body").text
    assert (SCREENSHOTS / "district-pack.png").stat().st_size > 10_000


def pdf_pages(driver, name: str = "city-pack.pdf") -> int:
    """Pages of the open page printed to PDF by Chromium (A4, the page's print stylesheet), kept as `name`."""
    import base64
    import re

    pdf = base64.b64decode(driver.execute_cdp_cmd("Page.printToPDF", {
        "paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": True, "printBackground": False})["data"])
    (SCREENSHOTS / name).write_bytes(pdf)
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_city_pack_contents_and_back_link_resolve(browser, small_run):
    _, reports = small_run
    page = reports / "latest" / "city" / "thanh-pho-ha-noi.html"
    open_page(browser, page, "city-pack.png")
    targets = browser.execute_script(
        "return Array.from(document.querySelectorAll('nav.toc a')).map(a => a.getAttribute('href').slice(1))")
    assert len(targets) >= 18 and "ii2-dd" in targets
    assert [t for t in targets if browser.execute_script(f"return document.getElementById({t!r}) === null")] == []
    back = browser.find_element("css selector", "nav.pack-nav a").get_attribute("href")
    assert Path(urlparse(back).path).resolve() == (reports / "latest" / "index.html").resolve()
    assert (reports / "latest" / "index.html").is_file()
    headings = browser.execute_script("return Array.from(document.querySelectorAll('section.outline h3'))"
                                      ".map(h => h.textContent.slice(0, 2))")
    assert headings == ["a)", "b)", "c)", "d)", "đ)", "e)", "g)", "h)", "i)", "k)"]


def test_city_pack_print_page_count(browser, small_run):
    _, reports = small_run
    open_page(browser, reports / "latest" / "city" / "thanh-pho-ha-noi.html", "city-pack.png")
    pages = pdf_pages(browser)
    print(f"city pack printed: {pages} A4 pages")
    assert 0 < pages <= 8


def test_annex_and_vertical_pack_render_and_links_resolve(browser, small_run):
    _, reports = small_run
    city_dir = reports / "latest" / "city"
    open_page(browser, city_dir / "thanh-pho-ha-noi.html", "city-pack.png")
    annex_links = browser.execute_script(
        "return Array.from(document.querySelectorAll('p.annex-link a')).map(a => a.href)")
    assert len(annex_links) >= 5
    for href in annex_links:
        assert Path(urlparse(href).path).is_file(), href
    open_page(browser, city_dir / "phu-luc-thanh-pho.html", "city-annex.png")
    check_page(browser)
    fragments = {urlparse(h).fragment for h in annex_links}
    assert [f for f in fragments if browser.execute_script(f"return document.getElementById({f!r}) === null")] == []
    vertical = next((reports / "latest" / "vertical").glob("N01-*.html"))
    open_page(browser, vertical, "vertical-pack.png")
    check_page(browser)
    text = browser.find_element("tag name", "body").text
    assert "Cục Thuế" in text and "Trả lời các nội dung của Đề cương" in text


def _shown_number(text: str) -> float | None:
    """A number as the page writes it ("1.234.567", "98,7%", "–") back to a float."""
    text = text.strip().rstrip("%")
    if text in ("", "–"):
        return None
    return float(text.replace(".", "").replace(",", "."))


def test_city_pack_tables_download_with_the_numbers_shown(browser, small_run):
    """Each table's CSV and Excel links, opened by the browser (fetch of the data: URI), hold the table's rows:
    the same text, the same numbers."""
    from sketket.outputs.downloads import read_csv, read_xlsx

    _, reports = small_run
    open_page(browser, reports / "latest" / "city" / "thanh-pho-ha-noi.html", "city-pack.png")
    tables = browser.execute_script("""
        return Array.from(document.querySelectorAll('table.sk')).map(t => {
          const p = t.nextElementSibling;
          const links = p && p.classList.contains('downloads') ? Array.from(p.querySelectorAll('a[download]')) : [];
          return {rows: Array.from(t.tBodies[0].rows).map(r => Array.from(r.cells).map(c => [c.innerText, c.className])),
                  links: links.map(a => [a.textContent, a.getAttribute('download'), a.href])};
        });""")
    assert len(tables) >= 10
    assert all(len(t["links"]) == 2 for t in tables if t["rows"])  # every table with rows has both files
    checked = 0
    for table in tables:
        for label, name, href in table["links"]:
            payload = bytes(browser.execute_async_script(
                "const done = arguments[1]; fetch(arguments[0]).then(r => r.arrayBuffer())"
                ".then(b => done(Array.from(new Uint8Array(b))));", href))
            rows = (read_xlsx(payload) if label == "Excel" else read_csv(payload))[1:]
            assert name.endswith(".xlsx" if label == "Excel" else ".csv")
            assert len(rows) == len(table["rows"])
            for file_row, page_row in zip(rows, table["rows"], strict=True):
                for value, (text, cls) in zip(file_row, page_row, strict=True):
                    if cls == "num":
                        shown = _shown_number(text)
                        got = None if value in (None, "") else float(value)
                        assert got == shown, (name, text, value)
                    else:
                        assert str(value or "").lstrip("'") == text.strip(), (name, text, value)
            checked += 1
    assert checked >= 20


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """`sketket run` on an empty raw folder: the demo city (880 units, their reports), its city pack and annex,
    one district, one department and one vertical agency."""
    from pack_data import write_config

    from sketket.cli import main

    base = tmp_path_factory.mktemp("demo-packs")
    (base / "raw").mkdir()
    config = write_config(base, {"clean": False, "indicators": False, "lessons": False, "city": True,
                                 "districts": ["271"], "departments": ["S06"], "verticals": ["N01"]})
    assert main(["run", "--config", str(config)]) == 0
    return base / "reports" / "latest"


def test_demo_city_pack_prints_on_at_most_eight_a4_pages(browser, demo_run):
    open_page(browser, demo_run / "city" / "thanh-pho-ha-noi.html", "demo-city-pack.png", "demo-city-first-screen.png")
    check_page(browser)
    pages = pdf_pages(browser, "demo-city-pack.pdf")
    print(f"demo city pack printed: {pages} A4 pages")
    assert 0 < pages <= 8
    # the page's text without the table of contents (which names the sections too)
    text = browser.execute_script(
        "const m = document.querySelector('main').cloneNode(true); m.querySelector('nav.toc').remove();"
        "document.body.appendChild(m); const t = m.innerText; m.remove(); return t;")
    # the first screen: figures, results, shortcomings, decisions; then the outline and the reports' words
    order = ["Tóm tắt cho lãnh đạo", "Kết quả nổi bật", "Hạn chế, tồn tại", "Kiến nghị được nhiều đơn vị nêu nhất",
             "Kết quả theo từng nội dung của Đề cương", "II.3.b. Tồn tại, hạn chế và nguyên nhân", "III. Kiến nghị"]
    assert [text.index(w) for w in order] == sorted(text.index(w) for w in order)
    decisions = browser.execute_script("return document.querySelectorAll('.decisions li').length")
    assert 3 <= decisions <= 5


@pytest.mark.parametrize("page, shot", [
    ("index.html", "demo-index.png"),
    ("city/thanh-pho-ha-noi.html", "demo-city-pack.png"),
    ("city/phu-luc-thanh-pho.html", "demo-city-annex.png"),
    ("district/271-huyen-ba-vi.html", "demo-district-pack.png"),
    ("department/S06-so-nong-nghiep-va-phat-trien-nong-thon.html", "demo-department-pack.png"),
    ("vertical/N01-cuc-thue-thanh-pho-ha-noi.html", "demo-vertical-pack.png"),
])
def test_each_pack_type_renders_and_keeps_its_screenshot(browser, demo_run, page, shot):
    """Each kind of page opened from disk, checked, and its screenshot kept under reports/screenshots/ for a
    person to look at (the README shows the city pack's)."""
    open_page(browser, demo_run / page, shot)
    check_page(browser)
    assert (SCREENSHOTS / shot).stat().st_size > 20_000
    if page != "index.html":
        back = browser.find_element("css selector", "nav.pack-nav a").get_attribute("href")
        assert Path(urlparse(back).path).resolve() == (demo_run / "index.html").resolve()
        links = browser.execute_script("return document.querySelectorAll('p.downloads a[download]').length")
        assert links >= 2


def test_a_pack_on_a_phone_does_not_scroll_sideways(browser, small_run):
    """At 412 px the city pack's first table was 545 px wide: the whole page scrolled sideways and its last
    columns were cut. A wide table now scrolls within itself; the page keeps the phone's width."""
    _, reports = small_run
    browser.set_window_size(412, 900)
    try:
        for page in (reports / "latest" / "city" / "thanh-pho-ha-noi.html",
                     next((reports / "latest" / "district").glob("*.html"))):
            browser.get(page.resolve().as_uri())
            width = browser.execute_script("return document.documentElement.clientWidth")
            assert browser.execute_script("return document.documentElement.scrollWidth") <= width, page.name
    finally:
        browser.set_window_size(1280, 900)
