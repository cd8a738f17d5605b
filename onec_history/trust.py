"""Which certificates a base's TLS is checked against: the ``verify_tls`` setting, made explicit.

``verify_tls`` is ``true`` (certifi's bundle, or the one ``REQUESTS_CA_BUNDLE`` /
``CURL_CA_BUNDLE`` names, as requests does), a path to a CA bundle or directory, ``false`` (not
checked), or ``"system"``: the operating system's trust store through the optional ``truststore``
package (``pip install 'onec-history[system-tls]'``) — where a corporate CA is usually installed
already. A bundle, ``false`` or ``"system"`` set by the user wins over the environment.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping

import certifi
from requests.adapters import HTTPAdapter

from . import bounded, errors

__all__ = ["SYSTEM", "check", "described", "https_adapter"]

SYSTEM = "system"
_ENVIRONMENT = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def check(verify: bool | str) -> bool | str:
    """``verify`` when it can be used; a :class:`ConfigError` for a bundle that is not there."""
    if isinstance(verify, str) and verify != SYSTEM and not os.path.exists(verify):
        raise errors.ConfigError(
            f"verify_tls names a CA bundle that does not exist: {verify}",
            hint='Give the path of a PEM file (or a directory of them), "system" for the operating '
                 "system's trust store, true for the default, or false to skip the check.",
        )
    return verify


def https_adapter(verify: bool | str) -> HTTPAdapter:
    """The adapter for ``https://``: a bounded one, asking the system store when told to."""
    if verify != SYSTEM:
        return bounded.BoundedAdapter()
    try:
        import truststore
    except ImportError:
        raise errors.ConfigError(
            'verify_tls = "system" needs the truststore package, which is not installed',
            hint="Install it with: pip install 'onec-history[system-tls]' (or pip install truststore); "
                 "or set verify_tls to the path of your CA bundle.",
        ) from None
    return bounded.SystemTrustAdapter(truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT))


def described(verify: bool | str, environ: Mapping[str, str] | None = None) -> str:
    """The trust store a request with ``verify`` was checked against, in words."""
    if verify is False:
        return "none: certificates are not checked (verify_tls = false)"
    if verify == SYSTEM:
        return "the operating system's trust store (verify_tls = \"system\")"
    if isinstance(verify, str):
        return f"the CA bundle {verify} (verify_tls)"
    env = os.environ if environ is None else environ
    for variable in _ENVIRONMENT:
        if env.get(variable):
            return f"the CA bundle {env[variable]} (from {variable})"
    return f"certifi's bundle {certifi.where()} (the default)"
