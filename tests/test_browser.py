"""End to end: `streamlit run app.py` on a free loopback port, driven in headless Chromium.

Loads the demo, changes the budget, starts a review session, exports Markdown and checks
the file, and saves a screenshot of Measures under the test's temp dir (never into the checkout).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                       reason="Debian chromium and chromium-driver are not installed (make test installs them as root)"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def app_url(tmp_path):
    port = _free_port()
    env = {**os.environ, "RISKMODEL_REVIEW_DB": str(tmp_path / "reviews.sqlite3"),
           "RISKMODEL_SCENARIO": str(ROOT / "scenarios" / "demo.yaml")}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("streamlit did not become healthy within 60 s")
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-quic", "--window-size=1400,1000", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    yield driver
    driver.quit()


def _wait_text(driver, text: str, timeout: float = 60) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(lambda d: text in d.find_element("tag name", "body").text)


def _metric(driver, label: str) -> str:
    for element in driver.find_elements("css selector", '[data-testid="stMetric"]'):
        lines = element.text.splitlines()
        if lines and lines[0] == label:
            return lines[1]
    raise AssertionError(f"no metric {label!r}")


def _go(driver, title: str) -> None:
    links = browser_links = driver.find_elements("css selector", 'a[data-testid="stSidebarNavLink"]')
    (link,) = [a for a in browser_links if a.text.splitlines()[-1] == title]
    assert links
    link.click()


def test_review_in_the_browser(app_url, browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(app_url)
    _wait_text(browser, "Expected annual loss")
    assert "KernelDeadlock" in browser.find_element("tag name", "body").text

    _go(browser, "Measures & plan")
    _wait_text(browser, "Residual EAL with plan")
    slider = browser.find_element("css selector", '[data-testid="stSlider"] input[type="range"]')
    before = _metric(browser, "Plan cost")
    browser.execute_script("arguments[0].focus()", slider)
    ActionChains(browser).send_keys(Keys.HOME).perform()
    WebDriverWait(browser, 30).until(lambda d: _metric(d, "Plan cost") == "$0/yr")
    assert before != "$0/yr"
    browser.execute_script("arguments[0].focus()", slider)
    ActionChains(browser).send_keys(Keys.END).perform()
    WebDriverWait(browser, 30).until(lambda d: _metric(d, "Plan cost") != "$0/yr")
    time.sleep(1.0)
    assert browser.save_screenshot(str(tmp_path / "measures.png"))

    _go(browser, "Review")
    _wait_text(browser, "Start a review session")
    browser.find_element("xpath", '//button[.//p[text()="Start a review session"]]').click()
    _wait_text(browser, "Download MD")
    browser.find_element("xpath", '//button[.//p[text()="Download MD"]]').click()
    WebDriverWait(browser, 30).until(lambda _: list(browser.downloads.glob("*.md")))
    (exported,) = list(browser.downloads.glob("*.md"))
    text = exported.read_text(encoding="utf-8")
    assert text.startswith("# Mitigation plan · demo")
    assert "## Error budgets before and after" in text and "checkout" in text and "## Provenance" in text
