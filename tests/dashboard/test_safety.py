"""Dashboard safety: the login gate off loopback, password hashes, no HTML from data, quoted DOT labels, config."""

from __future__ import annotations

import tomllib

import pytest
from streamlit import config as st_config

from helpers import ROOT
from procrisk.config import load_config
from procrisk.dashboard import auth
from procrisk.dashboard.components import dot_quote, md, supply_chain_dot


@pytest.mark.parametrize(("address", "loopback"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True), ("127.1.2.3", True),
    ("0.0.0.0", False), ("", False), (None, False), ("192.168.1.10", False), ("example.org", False),
])
def test_is_loopback(address, loopback):
    assert auth.is_loopback(address) is loopback


def test_password_hashes_verify():
    stored = auth.make_hash("correct horse")
    assert stored.startswith("scrypt$")
    assert auth.verify_password("correct horse", stored)
    assert not auth.verify_password("wrong", stored)
    import hashlib

    salt = bytes(16)
    pbkdf2 = f"pbkdf2_sha256$1000${salt.hex()}${hashlib.pbkdf2_hmac('sha256', b'pw', salt, 1000).hex()}"
    assert auth.verify_password("pw", pbkdf2)
    for broken in ("", "scrypt$x", "md5$abc$def", "pbkdf2_sha256$notanumber$00$00"):
        assert not auth.verify_password("pw", broken)


@pytest.fixture
def public_address():
    """Pretend the server is bound to every interface."""
    saved = st_config.get_option("server.address")
    st_config.set_option("server.address", "0.0.0.0")
    yield
    st_config.set_option("server.address", saved)


def test_public_address_without_login_shows_no_data(app_for, scored_workspace, public_address, monkeypatch):
    monkeypatch.delenv(auth.HASH_ENV, raising=False)
    at = app_for(scored_workspace)
    st_config.set_option("server.address", "0.0.0.0")
    at.run()
    assert not at.exception, at.exception
    assert any("no login is configured" in e.value for e in at.error)
    assert not at.metric and not at.dataframe


def test_public_address_asks_for_the_password(app_for, scored_workspace, public_address, monkeypatch):
    monkeypatch.setenv(auth.HASH_ENV, auth.make_hash("s3cret"))
    at = app_for(scored_workspace)
    st_config.set_option("server.address", "0.0.0.0")
    at.run()
    assert not at.metric
    at.text_input(key="auth_password").input("nope")
    at.button[0].click().run()
    assert any("Wrong password" in e.value for e in at.error)
    at.text_input(key="auth_password").input("s3cret")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Overview"]
    assert at.metric


def test_no_unsafe_html_anywhere():
    sources = [ROOT / "app.py", *sorted((ROOT / "src" / "procrisk" / "dashboard").rglob("*.py"))]
    for path in sources:
        assert "unsafe_allow_html" not in path.read_text(encoding="utf-8"), path


def test_markdown_from_data_is_inert():
    text = md("[click](javascript:alert(1)) <b>bold</b> :red[x] **y**")
    for raw in ("[click]", "](", "<b>", ":red[", "**"):
        assert raw not in text
    assert md(None) == ""


def test_dot_labels_are_quoted():
    assert dot_quote('A "quoted" \\ name\nnext') == '"A \\"quoted\\" \\\\ name next"'
    dot = supply_chain_dot('Evil" ]; x -> y; "', ['Buyer "1"'], ["Sub\\contractor"], None, {"origin": ["CN"]})
    assert 'label="Evil\\" ]; x -> y; \\""' in dot
    assert dot.count("{") == dot.count("}")


def test_streamlit_config_is_safe():
    conf = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server = conf["server"]
    assert server["address"] == "127.0.0.1"
    assert server["enableXsrfProtection"] is True
    assert server["maxUploadSize"] == load_config().max_upload_mb
