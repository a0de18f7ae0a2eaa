"""The login gate: open on a loopback address; elsewhere Streamlit's OIDC login or a password hash, else no data.

Password hashes come from the environment variable ``PROCRISK_PASSWORD_HASH`` in one of two forms:

* ``scrypt$<n>$<r>$<p>$<salt hex>$<hash hex>`` (made by ``make_hash``), or
* ``pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>``.

Make one without storing the password anywhere (docs/dashboard.md)::

    python -c "import getpass, procrisk.dashboard.auth as a; print(a.make_hash(getpass.getpass()))"
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
import time

import streamlit as st

HASH_ENV = "PROCRISK_PASSWORD_HASH"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MAX_FAILURES = 5
LOCKOUT_SECONDS = 30.0
_USER_KEY = "auth_user"
_FAIL_KEY = "auth_failures"


def is_loopback(address: str | None) -> bool:
    """Whether the server address only accepts connections from this machine (empty means every interface)."""
    if not address:
        return False
    host = address.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def make_hash(password: str, *, salt: bytes | None = None) -> str:
    """An scrypt hash of ``password`` in the ``scrypt$n$r$p$salt$hash`` form PROCRISK_PASSWORD_HASH takes."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a scrypt or PBKDF2-SHA256 hash (a malformed hash never matches)."""
    parts = stored.strip().split("$")
    try:
        if parts[0] == "scrypt" and len(parts) == 6:
            n, r, p = (int(x) for x in parts[1:4])
            salt, want = bytes.fromhex(parts[4]), bytes.fromhex(parts[5])
            got = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=len(want),
                                 maxmem=256 * 1024 * 1024)
        elif parts[0] == "pbkdf2_sha256" and len(parts) == 4:
            salt, want = bytes.fromhex(parts[2]), bytes.fromhex(parts[3])
            got = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, int(parts[1]), dklen=len(want))
        else:
            return False
    except (ValueError, OverflowError, MemoryError):
        return False
    return hmac.compare_digest(got, want)


def _oidc_provider() -> str | bool | None:
    """False when no [auth] section is configured; else the provider to pass to st.login (None: the default)."""
    try:
        conf = st.secrets.get("auth")
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return False
    if not conf:
        return False
    if "client_id" in conf:
        return None
    providers = [name for name, value in conf.items() if hasattr(value, "keys")]
    return providers[0] if providers else False


def _oidc_gate(provider: str | None) -> bool:
    """Show Streamlit's login button until the user is logged in."""
    if st.user.is_logged_in:
        with st.sidebar:
            st.caption(f"Signed in as {st.user.get('email') or st.user.get('name') or 'user'}")
            st.button("Log out", on_click=st.logout, key="auth_logout")
        return True
    st.title("procrisk")
    st.info("This dashboard is shared on the network: sign in to see the data.")
    st.button("Log in", type="primary", on_click=st.login, args=(provider,) if provider else (), key="auth_login")
    return False


def _password_gate(stored: str) -> bool:
    """A password form checked against the configured hash, with a pause after repeated failures."""
    if st.session_state.get(_USER_KEY):
        with st.sidebar:
            if st.button("Log out", key="auth_logout"):
                st.session_state.pop(_USER_KEY, None)
                st.rerun()
        return True
    st.title("procrisk")
    failures, last = st.session_state.get(_FAIL_KEY, (0, 0.0))
    wait = LOCKOUT_SECONDS - (time.monotonic() - last)
    with st.form("auth_form"):
        password = st.text_input("Password", type="password", key="auth_password")
        submitted = st.form_submit_button("Log in", type="primary")
    if submitted:
        if failures >= MAX_FAILURES and wait > 0:
            st.error(f"Too many failed attempts: try again in {wait:.0f} s.")
        elif verify_password(password, stored):
            st.session_state[_USER_KEY] = "password"
            st.session_state.pop(_FAIL_KEY, None)
            st.rerun()
        else:
            st.session_state[_FAIL_KEY] = (failures + 1, time.monotonic())
            st.error("Wrong password.")
    return False


def gate() -> bool:
    """Whether the page may show data: always on loopback, else only after a configured login succeeds."""
    if is_loopback(st.get_option("server.address")):
        return True
    provider = _oidc_provider()
    if provider is not False:
        return _oidc_gate(provider)
    stored = os.environ.get(HASH_ENV, "").strip()
    if stored:
        return _password_gate(stored)
    st.title("procrisk")
    st.error(
        "This dashboard is bound to a network address but no login is configured, so it shows no data. "
        f"Configure Streamlit's OIDC login ([auth] in .streamlit/secrets.toml) or set {HASH_ENV} to a password "
        "hash (see docs/dashboard.md), or run it on 127.0.0.1."
    )
    return False
