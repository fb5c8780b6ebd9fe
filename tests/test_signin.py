"""Sign-in against a real OpenID Connect provider on loopback (oidc-provider-mock): roles, the write gate in the
browser, a named History, sign-out."""

from __future__ import annotations

import json
import re
import secrets as secrets_module
import subprocess
import sys
import time
import urllib.request

import pytest

from .conftest import _free_port, demo_file, running_app
from .test_browser import buy_default_package, open_page, settle

pytestmark = pytest.mark.browser


@pytest.fixture
def signed_app(tmp_path):
    """The app with [auth] pointing at a mock provider; [access]: ana is a manager, the domain analysts."""
    oidc_port, app_port = _free_port(), _free_port()
    users = [{"sub": e, "email": e, "email_verified": True}
             for e in ("ana@example.com", "carl@example.com", "eve@elsewhere.org")]
    users.append({"sub": "mallory", "email": "ana@example.com", "email_verified": False})  # claims ana's address
    claims = [arg for u in users for arg in ("--user-claims", json.dumps(u))]
    provider = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--port", str(oidc_port), *claims],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    issuer = f"http://127.0.0.1:{oidc_port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(f"""
[auth]
redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"
cookie_secret = "{secrets_module.token_urlsafe(48)}"
client_id = "credits-dashboard"
client_secret = "not-a-secret"
server_metadata_url = "{issuer}/.well-known/openid-configuration"

[access]
managers = ["ana@example.com"]
analysts = ["*@example.com"]
""")
        secrets.chmod(0o600)  # serve.py refuses a secrets file others can read
        db = demo_file(tmp_path, messages=3_000)
        with running_app(db, extra_args=("--secrets.files", str(secrets)), port=app_port,
                         extra_env={"CREDITS_STATE_DIR": str(tmp_path / "state")}) as url:
            yield url
    finally:
        provider.terminate()
        provider.wait(10)


@pytest.fixture
def local_page(page, signed_app):
    """Requests may only go to loopback; the app's own pages may not even try. (The mock provider's sign-in form
    asks a CDN for its stylesheet: blocked too, but that page is the test tool's, not the app's.)"""
    outside: list[str] = []

    def guard(route):
        url = route.request.url
        host = url.split("/")[2].split(":")[0] if "://" in url else ""
        if url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
            return
        try:
            origin = route.request.frame.url
        except Exception:  # a request of no frame (a service worker): count it
            origin = signed_app
        if origin.startswith(signed_app):
            outside.append(url)
        route.abort()

    page.route("**/*", guard)
    page.set_default_timeout(30_000)
    yield page
    assert not outside, f"the app's pages made requests beyond loopback: {outside[:5]}"


def sign_in_as(page, url: str, email: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Sign in").click()
    page.locator("input[name=sub]").fill(email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(re.escape(url)))
    settle(page)


def test_anonymous_sees_no_figure(local_page, signed_app):
    local_page.goto(signed_app)
    local_page.get_by_role("button", name="Sign in").wait_for()
    assert local_page.get_by_test_id("stMetric").count() == 0


def test_a_user_with_no_role_gets_no_access(local_page, signed_app):
    sign_in_as(local_page, signed_app, "eve@elsewhere.org")
    local_page.get_by_text("has no access to this dashboard").wait_for()
    assert local_page.get_by_test_id("stMetric").count() == 0


def test_an_unverified_email_gets_no_role(local_page, signed_app):
    """Issue 22.2: a provider user whose e-mail claim is ana@example.com, unverified, was signed in as manager."""
    sign_in_as(local_page, signed_app, "mallory")
    local_page.get_by_text("has no access to this dashboard").wait_for()
    local_page.get_by_text("no role is given to an unverified address").wait_for()
    assert local_page.get_by_test_id("stMetric").count() == 0


def test_an_analyst_sees_every_page_and_no_write_control(local_page, signed_app):
    sign_in_as(local_page, signed_app, "carl@example.com")
    local_page.get_by_text("Signed in as carl@example.com (analyst).").wait_for()  # as the provider spelt it
    for path in ("", "buy", "assign", "usage", "expiry", "imports", "history"):
        open_page(local_page, signed_app, path)
        assert local_page.get_by_test_id("stException").count() == 0
        for word in ("Record purchase", "Set limit", "Apply changes", "Schedule", "Import now", "Cancel it"):
            assert local_page.get_by_role("button", name=word).count() == 0, (path, word)
        assert local_page.get_by_test_id("stFileUploader").count() == 0
    with local_page.expect_download() as info:  # downloads work for an analyst
        local_page.get_by_role("button", name="Download history.xlsx").click()
    assert info.value.path().stat().st_size > 1000


def test_a_manager_buys_and_the_history_names_them_then_signs_out(local_page, signed_app, tmp_path):
    sign_in_as(local_page, signed_app, "ana@example.com")
    buy_default_package(local_page, signed_app)
    csv = tmp_path / "purchases.csv"
    csv.write_text("lot_id,purchased_at,credits,expiring,price_eur\nWEB-1,2026-02-01T10:00:00+01:00,500,false,0\n")
    open_page(local_page, signed_app, "imports")
    local_page.get_by_test_id("stSelectbox").filter(has_text="What the file holds").click()
    local_page.get_by_role("option", name="purchases").click()
    settle(local_page)
    local_page.locator("input[type=file]").set_input_files(str(csv))
    local_page.get_by_role("button", name="Import now").click()
    local_page.get_by_text("Imported 1 new record.").wait_for()
    open_page(local_page, signed_app, "history")
    with local_page.expect_download() as info:
        local_page.get_by_role("button", name="Download history.xlsx").click()
    target = tmp_path / "history.xlsx"
    info.value.save_as(target)
    from openpyxl import load_workbook

    rows = list(load_workbook(target)["History"].iter_rows(values_only=True))
    author = rows[0].index("Author")
    by_ana = {(r[1], r[2]) for r in rows[1:] if r[author] == "ana@example.com"}
    assert ("purchase", "WEB-1") in by_ana and ("import", None) in by_ana  # the import's entry and its event
    assert sum(1 for r in rows[1:] if r[1] == "purchase" and r[author] == "ana@example.com") == 2
    local_page.get_by_role("button", name="Sign out").click()
    local_page.wait_for_url(lambda u: "/history" not in u)  # the sign-out leaves the app for its logout route
    if local_page.get_by_role("button", name="End session").count():  # the provider asks to end its session too
        local_page.get_by_role("button", name="End session").click()
    local_page.goto(signed_app)
    local_page.get_by_role("button", name="Sign in").wait_for()
    assert local_page.get_by_test_id("stMetric").count() == 0


def test_sign_out_ends_every_tab_and_every_copy_of_the_cookie(local_page, signed_app, browser):
    """Issue 31.4: after sign-out in one tab, a second open tab stayed "(manager)" and recorded a purchase, and a
    cookie copied before the sign-out still opened the dashboard as manager (a signed cookie valid 30 days)."""
    sign_in_as(local_page, signed_app, "ana@example.com")
    local_page.get_by_text("Signed in as ana@example.com (manager).").wait_for()
    other = local_page.context.new_page()  # a second tab of the same browser
    open_page(other, signed_app, "buy")
    other.get_by_text("Signed in as ana@example.com (manager).").wait_for()
    copied = local_page.context.cookies()
    before = local_page.url
    local_page.get_by_role("button", name="Sign out").click()
    local_page.wait_for_url(lambda u: u != before)  # the sign-out ran: the app left for its logout route
    other.get_by_text("I have checked the package, the date and the new expiry above").click()  # a rerun
    other.get_by_text("Signed out: this sign-in was signed out").wait_for()
    assert other.get_by_role("button", name="Record purchase").count() == 0
    thief = browser.new_context()
    thief.add_cookies(copied)
    stolen = thief.new_page()
    stolen.goto(signed_app)
    stolen.get_by_text("Signed out: this sign-in was signed out").wait_for()
    assert stolen.get_by_test_id("stMetric").count() == 0
    thief.close()


def test_uploads_and_downloads_need_the_right_signed_in_user(local_page, signed_app, browser, tmp_path):
    """Issue 31.7 and 31.8: an anonymous browser sent 50 MB uploads that were held in memory, and fetched a user's
    workbook from its bare /media URL. Uploads are for signed-in managers; a download is for the user who made it;
    an export is gone from the server once its owner signs out."""
    anonymous = browser.new_context()
    req = anonymous.request
    assert req.put(f"{signed_app}/_stcore/upload_file/s/f", multipart={"file": {
        "name": "x.csv", "mimeType": "text/csv", "buffer": b"a" * 1000}}).status == 403
    assert req.get(f"{signed_app}/media/0123456789abcdef.xlsx").status == 403
    assert req.get(f"{signed_app}/_credits/download/not-a-token").status == 404
    anonymous.close()
    sign_in_as(local_page, signed_app, "ana@example.com")
    open_page(local_page, signed_app, "usage?by=month")
    local_page.get_by_role("button", name="Prepare the Excel workbook of this view").click()
    link = local_page.get_by_role("link", name=re.compile(r"Download usage-[a-z0-9-]+\.xlsx"))
    link.wait_for()
    href = link.get_attribute("href")
    assert local_page.request.get(signed_app + href).status == 200  # its owner
    analyst = browser.new_context()
    carl = analyst.new_page()
    sign_in_as(carl, signed_app, "carl@example.com")
    assert analyst.request.get(signed_app + href).status == 404  # another user, the same URL
    assert analyst.request.put(f"{signed_app}/_stcore/upload_file/s/f", multipart={"file": {
        "name": "x.csv", "mimeType": "text/csv", "buffer": b"a"}}).status == 403  # an analyst uploads nothing
    analyst.close()
    before = local_page.url
    local_page.get_by_role("button", name="Sign out").click()
    local_page.wait_for_url(lambda u: u != before)
    assert local_page.context.request.get(signed_app + href).status == 404  # removed at sign-out
