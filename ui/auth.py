"""Who may use the web app: logins from ``RAG_AUTH`` or a file, checked by Gradio's own
login, and whether the address needs them.

``rag serve`` on an address others can reach asks for a login unless ``--no-auth`` says
not to on purpose. Passwords are never printed or logged: errors name the line, not its
text.
"""

from __future__ import annotations

import ipaddress

from rag import ConfigError, Settings

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def users(settings: Settings) -> dict[str, str]:
    """The logins of ``settings.auth`` ("user:password" pairs, comma or new line separated)
    and ``settings.auth_file`` (one a line, ``#`` comments); {} when neither is set."""
    found: dict[str, str] = {}
    if settings.auth:
        for n, item in enumerate(settings.auth.replace("\n", ",").split(","), 1):
            if item.strip():
                _add(found, item, f"RAG_AUTH entry {n}")
    if settings.auth_file is not None:
        path = settings.auth_file
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"cannot read the login file {path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise ConfigError(f"the login file {path} is not UTF-8 text") from None
        for n, line in enumerate(lines, 1):
            if line.strip() and not line.lstrip().startswith("#"):
                _add(found, line, f"{path} line {n}")
        if not found:
            raise ConfigError(f"the login file {path} holds no user:password line")
    return found


def _add(found: dict[str, str], item: str, where: str) -> None:
    user, sep, password = item.strip().partition(":")
    user, password = user.strip(), password.strip()
    if not sep or not user or not password:
        raise ConfigError(f"{where}: expected user:password (a user name, ':', a password)")
    if user in found:
        raise ConfigError(f"{where}: user {user!r} is given twice")
    found[user] = password


def required(host: str, logins: dict[str, str], no_auth: bool) -> dict[str, str] | None:
    """The logins the server checks (None: no login), or a :class:`ConfigError` when an
    address others can reach would be served without one."""
    if no_auth:
        return None
    if logins:
        return logins
    if is_loopback(host):
        return None
    raise ConfigError(
        f"rag serve on {host} lets anyone who reaches the port read, upload and delete "
        "documents: give logins (RAG_AUTH=user:password, or --auth-file FILE with one "
        "user:password a line), or pass --no-auth to serve without a login on purpose"
    )
