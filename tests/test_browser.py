"""End to end in headless Chromium against the real waitress server (``web.server.serve``).

Screenshots go to each test's ``tmp_path``; their paths are printed (``pytest -s``).
Skipped, with the reason, where Debian's ``chromium`` / ``chromium-driver`` are absent.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs /usr/bin/chromium and /usr/bin/chromedriver "
    "(apt-get install chromium chromium-driver)",
)

webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium: pip install selenium")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

QUERY = "الدفاع الروسية"
MANY = "سوريا"  # matches more than one page of passages in the sample corpus


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(sample_index):
    """``web.server.serve`` in a subprocess over the sample corpus's index (read only)."""
    yield from serving(sample_index.index_dir)


@pytest.fixture(scope="module")
def noted_server(tmp_path_factory):
    """The server over a small index with commentary (``search.commentary``)."""
    from test_commentary import NOTES, TEXT

    from conftest import write_corpus
    from search import Index

    folder = tmp_path_factory.mktemp("noted")
    corpus = write_corpus(folder / "corpus", {"a.txt": TEXT})
    notes = write_corpus(folder / "notes", {"a.txt": NOTES})
    index = Index.build(corpus, folder / "index", roots=True, commentary=notes)
    yield from serving(index.index_dir)


def serving(index_dir):
    """Start the server over ``index_dir``, yield its address, stop it."""
    port = free_port()
    code = (
        "import sys; from web.server import serve; "
        "serve(port=int(sys.argv[1]), index_dir=sys.argv[2])"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(port), str(index_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(base + "/", timeout=2) as response:
                assert response.headers["Server"] == "arabic-search"  # waitress, not Werkzeug
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"server did not start:\n{proc.stdout.read()}")
            time.sleep(0.1)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,900",
        "--lang=ar",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


def shot(driver, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    driver.save_screenshot(str(path))
    print(f"screenshot: {path}")
    return path


def wait(driver, seconds: float = 10) -> WebDriverWait:
    return WebDriverWait(driver, seconds)


def params(driver) -> dict[str, list[str]]:
    return parse_qs(urlsplit(driver.current_url).query)


def console_errors(driver) -> list[str]:
    """Console errors, CSP violations included (they are logged as SEVERE)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def search_for(driver, base: str, query: str) -> None:
    driver.get(base + "/")
    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys(query, Keys.ENTER)
    wait(driver).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".summary")))


def test_search_highlights_whole_words_right_to_left(server, browser, tmp_path):
    search_for(browser, server, QUERY)
    assert params(browser)["q"] == [QUERY]
    html = browser.find_element(By.TAG_NAME, "html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    assert browser.find_element(By.ID, "q").get_attribute("value") == QUERY
    marks = browser.find_elements(By.CSS_SELECTOR, ".hit .snippet mark")
    assert marks, "no highlighted words"
    # A <mark> never starts or ends inside a word: the letters on either side are not letters.
    broken = browser.execute_script(
        """
        const letter = /[\\p{L}\\p{M}]/u;
        return [...document.querySelectorAll('.snippet mark')].filter(m => {
          const before = m.previousSibling ? m.previousSibling.textContent : '';
          const after = m.nextSibling ? m.nextSibling.textContent : '';
          return letter.test(before.slice(-1)) || letter.test(after.slice(0, 1));
        }).map(m => m.parentNode.textContent.slice(0, 80));
        """
    )
    assert broken == []
    # Right to left: the results column starts at the right edge, the facets beside it.
    results = browser.find_element(By.CSS_SELECTOR, ".results").rect
    facets = browser.find_element(By.CSS_SELECTOR, ".facets").rect
    assert facets["x"] > results["x"]
    shot(browser, tmp_path, "search-desktop")
    assert console_errors(browser) == []


def test_facet_click_filters_and_unclick_restores(server, browser, tmp_path):
    search_for(browser, server, QUERY)
    total = int(browser.find_element(By.CSS_SELECTOR, ".summary .total").text)
    facet = browser.find_element(By.CSS_SELECTOR, ".facet:not(.selected)")
    source = facet.get_attribute("data-source")
    count = int(facet.find_element(By.CSS_SELECTOR, ".count").text)
    facet.click()
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".facet.selected")))
    assert params(browser)["source"] == [source]
    assert int(browser.find_element(By.CSS_SELECTOR, ".summary .total").text) == count
    files = {e.get_attribute("data-source") for e in browser.find_elements(By.CSS_SELECTOR, ".hit")}
    assert files == {source}
    shot(browser, tmp_path, "facet-selected")
    browser.find_element(By.CSS_SELECTOR, ".facet.selected").click()
    wait(browser).until(EC.invisibility_of_element_located((By.CSS_SELECTOR, ".facet.selected")))
    assert "source" not in params(browser)
    assert int(browser.find_element(By.CSS_SELECTOR, ".summary .total").text) == total


def test_page_two_then_document_scrolls_to_passage(server, browser, tmp_path):
    search_for(browser, server, MANY)
    browser.find_element(By.CSS_SELECTOR, ".pagination a[rel=next]").click()
    wait(browser).until(EC.url_contains("page=2"))
    assert params(browser)["q"] == [MANY]
    current = browser.find_element(By.CSS_SELECTOR, ".pagination [aria-current=page]")
    assert current.text == "2"
    shot(browser, tmp_path, "page-2")

    link = browser.find_element(By.CSS_SELECTOR, ".hit-title a")
    passage = unquote(urlsplit(link.get_attribute("href")).fragment)
    assert passage.startswith("p-")
    link.click()
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".document")))
    target = browser.find_element(By.ID, passage)
    is_target = "return document.querySelector(':target') === arguments[0]"
    assert browser.execute_script(is_target, target)
    top = browser.execute_script("return arguments[0].getBoundingClientRect().top", target)
    height = browser.execute_script("return window.innerHeight")
    assert 0 <= top < height / 2, f"passage {passage} not scrolled into view (top={top})"
    assert target.find_elements(By.TAG_NAME, "mark"), "query words not highlighted in the document"
    shot(browser, tmp_path, "document")
    assert console_errors(browser) == []


def test_phone_width_has_no_horizontal_overflow(server, browser, tmp_path):
    # A real 390px phone viewport: Chromium will not make a window narrower than 500px.
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True},
    )
    try:
        search_for(browser, server, QUERY)
        assert browser.execute_script("return window.innerWidth") == 390
        for name in ("results", "document"):
            overflow = browser.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"the {name} page is {overflow}px wider than the phone"
            shot(browser, tmp_path, f"{name}-390px")
            if name == "results":
                browser.find_element(By.CSS_SELECTOR, ".hit-title a").click()
                wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".document")))
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_keyboard_skip_link_and_autocomplete(server, browser, tmp_path):
    browser.get(server + "/help")  # the home page puts the focus in the box instead
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.get_attribute("class") == "skip-link"
    assert focused.is_displayed()
    browser.get(server + "/")
    shot(browser, tmp_path, "home")
    box = browser.find_element(By.ID, "q")
    box.send_keys("الدف")
    wait(browser).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#q-suggestions option"),
        "no suggestions arrived from /api/suggest",
    )
    options = browser.find_elements(By.CSS_SELECTOR, "#q-suggestions option")
    values = [option.get_attribute("value") for option in options]
    assert all(value.startswith("الدف") for value in values), values
    assert console_errors(browser) == []



# -- behaviours added to the site -----------------------------------------------------------

AXE = ROOT / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}


def phone(driver, on: bool = True) -> None:
    if on:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    else:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def scheme(driver, dark: bool | None) -> None:
    features = [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}] \
        if dark is not None else []
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": features})


def background(driver) -> str:
    return driver.execute_script("return getComputedStyle(document.documentElement).backgroundColor")


def test_slash_focuses_the_box_and_home_autofocuses(server, browser):
    browser.get(server + "/")
    assert browser.switch_to.active_element.get_attribute("id") == "q"
    browser.get(server + "/?q=" + QUERY)
    assert browser.switch_to.active_element.get_attribute("id") != "q"
    browser.find_element(By.TAG_NAME, "body").send_keys("/")
    focused = browser.switch_to.active_element
    assert focused.get_attribute("id") == "q"
    assert focused.get_attribute("value") == QUERY  # the "/" was not typed into it


def test_dark_mode_follows_the_system_and_the_toggle_persists(server, browser):
    browser.get(server + "/help")
    browser.execute_script("localStorage.clear()")
    try:
        scheme(browser, dark=False)
        browser.refresh()
        light = background(browser)
        scheme(browser, dark=True)
        assert background(browser) != light  # the system's dark scheme
        scheme(browser, dark=False)
        toggle = browser.find_element(By.CSS_SELECTOR, ".theme-toggle")
        # The page hears of the system's change through an event: wait for it.
        WebDriverWait(browser, 5).until(lambda b: toggle.get_attribute("aria-pressed") == "false")
        assert toggle.is_displayed()
        toggle.click()
        WebDriverWait(browser, 5).until(lambda b: toggle.get_attribute("aria-pressed") == "true")
        dark = background(browser)
        assert dark != light
        browser.get(server + "/?q=" + QUERY)  # another page remembers the choice
        assert background(browser) == dark
        assert browser.execute_script("return document.documentElement.dataset.theme") == "dark"
    finally:
        browser.execute_script("localStorage.clear()")
        scheme(browser, None)


def test_phone_folds_facets_so_the_first_hit_is_above_the_fold(server, browser):
    phone(browser)
    try:
        search_for(browser, server, MANY)
        fold = browser.find_element(By.CSS_SELECTOR, "details.facets-fold")
        assert fold.get_attribute("open") is None
        first = browser.find_element(By.CSS_SELECTOR, ".hit").rect
        assert first["y"] + 60 < 844, f"first hit at {first['y']}px"
        browser.find_element(By.CSS_SELECTOR, ".facets-fold > summary").click()
        assert browser.find_element(By.CSS_SELECTOR, ".facet").is_displayed()
    finally:
        phone(browser, False)
    search_for(browser, server, MANY)  # wide screen: open
    assert browser.find_element(By.CSS_SELECTOR, ".facet").is_displayed()


def test_per_page_choice_applies_at_once(server, browser):
    search_for(browser, server, MANY)
    from selenium.webdriver.support.ui import Select

    assert not browser.find_element(By.CSS_SELECTOR, ".per-page-form button").is_displayed()
    Select(browser.find_element(By.ID, "per_page")).select_by_value("20")
    wait(browser).until(EC.url_contains("per_page=20"))
    assert len(browser.find_elements(By.CSS_SELECTOR, ".hit")) == 20


def test_search_within_results(server, browser):
    search_for(browser, server, MANY)
    total = int(browser.find_element(By.CSS_SELECTOR, ".summary .total").text)
    box = browser.find_element(By.ID, "within")
    box.send_keys("روسيا", Keys.ENTER)
    wait(browser).until(lambda d: params(d).get("q") == [f"{MANY} روسيا"])
    assert browser.find_element(By.ID, "q").get_attribute("value") == f"{MANY} روسيا"
    assert int(browser.find_element(By.CSS_SELECTOR, ".summary .total").text) < total


def test_document_next_and_previous_match_and_copy_link(server, browser):
    search_for(browser, server, MANY)
    browser.find_element(By.CSS_SELECTOR, ".hit-title a").click()
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".match-nav")))
    matches = [e.get_attribute("id") for e in browser.find_elements(By.CSS_SELECTOR, ".passage.match")]
    assert len(matches) >= 2
    browser.execute_script("window.scrollTo(0, 0); history.replaceState(null, '', '#')")
    nxt = browser.find_element(By.CSS_SELECTOR, ".match-next")
    nxt.click()
    assert urlsplit(browser.current_url).fragment == matches[0]
    nxt.click()
    assert urlsplit(browser.current_url).fragment == matches[1]
    top = browser.execute_script(
        "return document.getElementById(arguments[0]).getBoundingClientRect().top", matches[1])
    assert 0 <= top < 300
    browser.find_element(By.CSS_SELECTOR, ".match-prev").click()
    assert urlsplit(browser.current_url).fragment == matches[0]
    # Back to the results with the same query.
    back = browser.find_element(By.CSS_SELECTOR, "a.back").get_attribute("href")
    assert parse_qs(urlsplit(back).query)["q"] == [MANY]
    # Copy a passage's link.
    browser.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": server, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    button = browser.find_element(By.CSS_SELECTOR, f"#{matches[0]} .copy-link")
    assert button.is_displayed()
    button.click()
    wait(browser).until(lambda d: d.find_element(By.CSS_SELECTOR, ".copy-status").get_attribute("textContent"))
    copied = button.get_attribute("data-copied")
    assert copied and copied.endswith("#" + matches[0])
    assert console_errors(browser) == []


def test_concordance_from_the_results_by_keyboard(server, browser, tmp_path):
    search_for(browser, server, MANY)
    browser.find_element(By.CSS_SELECTOR, ".concordance-link a").click()
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".kwic")))
    assert browser.find_element(By.ID, "cq").get_attribute("value") == MANY
    table = browser.find_element(By.CSS_SELECTOR, ".kwic")
    assert table.value_of_css_property("direction") == "rtl"
    # Right to left: the words before the match stand to its right.
    before = browser.find_element(By.CSS_SELECTOR, ".kwic tbody tr td.before")
    match = browser.find_element(By.CSS_SELECTOR, ".kwic tbody tr td.match")
    assert before.rect["x"] > match.rect["x"]
    assert browser.find_elements(By.CSS_SELECTOR, ".frequency tbody tr")
    # Keyboard only: focus the sort choice, pick "the word before", submit with Enter.
    browser.find_element(By.ID, "sort").send_keys(Keys.ARROW_DOWN)
    browser.find_element(By.ID, "cq").send_keys(Keys.ENTER)
    wait(browser).until(lambda d: params(d).get("sort") == ["left"])
    first = browser.find_elements(By.CSS_SELECTOR, ".kwic tbody tr")
    assert len(first) == int(browser.find_element(By.CSS_SELECTOR, "#lines-title .total").text) \
        or len(first) == 200
    shot(browser, tmp_path, "concordance")
    assert console_errors(browser) == []


PAGES = {
    "home": "/",
    "results": "/?q=" + MANY,
    "document": None,  # the first hit of the results
    "help": "/help",
    "concordance": "/concordance?q=" + MANY,
    "root": "/?q=حرب&by=root",  # the root choice, each hit's "why it matched" opened below
    "error": '/?q="' + MANY,
    "missing": "/nothing",
}


def page_url(browser, server, name):
    if PAGES[name] is not None:
        return server + PAGES[name]
    browser.get(server + PAGES["results"])
    return browser.find_element(By.CSS_SELECTOR, ".hit-title a").get_attribute("href")


@pytest.mark.skipif(not AXE.exists(), reason="needs axe-core: make axe (npm install axe-core)")
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_passes_axe(server, browser, name, dark):
    assert axe_violations(browser, page_url(browser, server, name), dark) == []


@pytest.mark.skipif(not AXE.exists(), reason="needs axe-core: make axe (npm install axe-core)")
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_a_hit_with_its_commentary_passes_axe(noted_server, browser, dark):
    from test_commentary import QUESTION

    url = noted_server + "/?q=" + QUESTION
    assert axe_violations(browser, url, dark) == []
    commentary = browser.find_element(By.CSS_SELECTOR, ".hit .hit-commentary")
    assert commentary.is_displayed()  # not folded away: it is why the hit is there
    assert "البلاء" in [m.text for m in commentary.find_elements(By.TAG_NAME, "mark")]


def axe_violations(browser, url: str, dark: bool) -> list[str]:
    """Serious and critical axe-core violations of the page at ``url``."""
    source = AXE.read_text(encoding="utf-8")
    scheme(browser, dark)
    try:
        browser.get(url)
        # Folded parts (why a hit matched, the phone's facets) are checked opened.
        browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
        browser.execute_script(source)
        browser.set_script_timeout(30)
        violations = browser.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            axe.run(document, {resultTypes: ['violations']}).then(r => done(
              r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))
            ), e => done(['axe failed: ' + e]));
            """
        )
    finally:
        scheme(browser, None)
    return violations


SHOTS = [  # (file name, page, phone, dark)
    ("results-desktop-light", "results", False, False),
    ("results-desktop-dark", "results", False, True),
    ("results-phone-light", "results", True, False),
    ("results-phone-dark", "results", True, True),
    ("document-desktop-light", "document", False, False),
    ("document-phone-dark", "document", True, True),
    ("help-desktop-light", "help", False, False),
    ("help-phone-dark", "help", True, True),
]


def test_screenshots_of_the_main_pages(server, browser, tmp_path):
    """PNGs of the main pages; into docs/screenshots/ with ARABIC_SEARCH_SCREENSHOTS=1."""
    import os

    folder = SCREENSHOTS if os.environ.get("ARABIC_SEARCH_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    for name, page, on_phone, dark in SHOTS:
        scheme(browser, dark)
        if on_phone:
            phone(browser)
        try:
            browser.get(page_url(browser, server, page))
            if page == "document":
                browser.execute_script("document.querySelector('.match-next').click()")
            overflow = browser.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{name}: {overflow}px wider than the window"
            path = folder / f"{name}.png"
            browser.save_screenshot(str(path))
            assert path.stat().st_size > 10_000
        finally:
            phone(browser, False)
            scheme(browser, None)


def test_reading_order_and_one_hit_per_file_apply_at_once(server, browser):
    search_for(browser, server, MANY)
    Select(browser.find_element(By.ID, "sort")).select_by_value("order")
    wait(browser).until(lambda b: "sort=order" in b.current_url)
    passages = [int(h.get_attribute("data-passage")) for h in
                browser.find_elements(By.CSS_SELECTOR, ".hit")
                if h.get_attribute("data-source") == browser.find_element(
                    By.CSS_SELECTOR, ".hit").get_attribute("data-source")]
    assert passages == sorted(passages) and len(passages) > 1
    browser.find_element(By.CSS_SELECTOR, ".collapse-label input").click()
    wait(browser).until(lambda b: "collapse=1" in b.current_url)
    sources = [h.get_attribute("data-source") for h in browser.find_elements(By.CSS_SELECTOR, ".hit")]
    assert len(sources) == len(set(sources)) > 1
    more = browser.find_element(By.CSS_SELECTOR, ".more-in-source a")
    more.click()
    wait(browser).until(lambda b: "source=" in b.current_url and "collapse" not in b.current_url)


def test_ticking_an_exact_option_narrows_the_results_and_stays_ticked(server, browser):
    browser.get_log("browser")  # earlier pages' messages are not this test's
    search_for(browser, server, "الأسد")
    total = int(browser.find_element(By.CSS_SELECTOR, ".summary .total").text)
    box = browser.find_element(By.CSS_SELECTOR, ".exact-form input[value='hamza']")
    assert not box.is_selected()
    box.click()
    wait(browser).until(lambda b: params(b).get("exact") == ["hamza"])
    narrowed = int(browser.find_element(By.CSS_SELECTOR, ".summary .total").text)
    assert 0 < narrowed < total
    assert browser.find_element(By.CSS_SELECTOR, ".exact-form input[value='hamza']").is_selected()
    # A new search from the box keeps the option: the other spelling finds its own passages.
    query = browser.find_element(By.ID, "q")
    query.clear()
    query.send_keys("الاسد", Keys.ENTER)
    wait(browser).until(lambda b: params(b).get("q") == ["الاسد"])
    assert params(browser).get("exact") == ["hamza"]
    other = int(browser.find_element(By.CSS_SELECTOR, ".summary .total").text)
    assert 0 < other < total and other + narrowed >= total
    assert console_errors(browser) == []


def test_why_it_matched_opens_on_demand_and_names_each_reason(server, browser, tmp_path):
    query = "الدِّفَاع"  # vocalised: the corpus writes it bare, so a reason is its marks
    browser.get_log("browser")  # earlier pages' messages are not this test's
    search_for(browser, server, query)
    why = browser.find_element(By.CSS_SELECTOR, ".hit details.why")
    words = why.find_element(By.CSS_SELECTOR, ".why-words")
    assert not words.is_displayed()  # folded until asked for
    why.find_element(By.TAG_NAME, "summary").click()
    assert words.is_displayed()
    assert "diacritics" in [e.get_attribute("data-how")
                            for e in why.find_elements(By.CSS_SELECTOR, ".why-how")]
    assert "بتشكيل آخر" in words.text and query in words.text
    assert why.value_of_css_property("direction") == "rtl"
    shot(browser, tmp_path, "why-open")
    # By keyboard: the next hit's summary takes focus and opens with Enter.
    second = browser.find_elements(By.CSS_SELECTOR, ".hit details.why")[1]
    summary = second.find_element(By.TAG_NAME, "summary")
    browser.execute_script("arguments[0].focus()", summary)
    summary.send_keys(Keys.ENTER)
    wait(browser).until(lambda d: second.get_attribute("open") is not None)
    # The JSON twin's offsets slice the text in JavaScript too (code points: Array.from).
    sliced = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        fetch('/api/search?q=' + encodeURIComponent(arguments[0])).then(r => r.json())
          .then(d => done(d.hits.flatMap(h => h.matches.map(
            m => Array.from(h.text).slice(m.start, m.end).join('') === m.text))));
        """, query)
    assert sliced and all(sliced)
    assert console_errors(browser) == []


def test_root_choice_beside_the_box_is_kept_in_links(server, browser):
    browser.get_log("browser")  # earlier pages' messages are not this test's
    browser.get(server + "/")
    word, root = (browser.find_element(By.CSS_SELECTOR, f'.by-choice input[value="{value}"]')
                  for value in ("word", "root"))
    assert word.is_selected() and not root.is_selected()
    browser.find_element(By.CSS_SELECTOR, '.by-choice label:last-of-type').click()
    assert root.is_selected()
    browser.find_element(By.ID, "q").send_keys("حرب", Keys.ENTER)
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".summary")))
    assert params(browser)["by"] == ["root"]
    assert browser.find_element(By.CSS_SELECTOR, '.by-choice input[value="root"]').is_selected()
    by_root = int(browser.find_element(By.CSS_SELECTOR, ".summary .total").text)
    assert "root" in [e.get_attribute("data-how")
                      for e in browser.find_elements(By.CSS_SELECTOR, ".why-how")]
    # The next page and another order keep the choice.
    browser.find_element(By.CSS_SELECTOR, ".pagination .next").click()
    wait(browser).until(lambda d: params(d).get("page") == ["2"])
    assert params(browser)["by"] == ["root"]
    Select(browser.find_element(By.ID, "sort")).select_by_value("order")
    wait(browser).until(lambda d: params(d).get("sort") == ["order"])
    assert params(browser)["by"] == ["root"]
    # Back to words: fewer passages (حرب's forms, not every word of its root).
    browser.find_element(By.CSS_SELECTOR, '.by-choice label:first-of-type').click()
    browser.find_element(By.CSS_SELECTOR, ".search-form button[type=submit]").click()
    wait(browser).until(lambda d: params(d).get("by") == ["word"])
    assert int(browser.find_element(By.CSS_SELECTOR, ".summary .total").text) < by_root
    assert console_errors(browser) == []

