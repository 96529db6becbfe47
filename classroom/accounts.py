"""The class's accounts: the teacher makes them, with passwords to hand out.

    sudo .venv/bin/python classroom/accounts.py add ada grace linus     # prints the passwords
    sudo .venv/bin/python classroom/accounts.py add teacher             # the teacher's own
    sudo .venv/bin/python classroom/accounts.py password ada            # a new one for ada
    sudo .venv/bin/python classroom/accounts.py remove linus
    sudo .venv/bin/python classroom/accounts.py list

Owns the accounts of classroom/jupyterhub_config.py's hub (and of z2jh-values.yaml's):
`ClassroomAuthenticator`, NativeAuthenticator with its login form working on JupyterHub 6
too, and this command line on NativeAuthenticator's table in the
hub's database (MICROGPT_HUB_STATE, as the hub reads it), written before or while the hub
runs. Each new account is authorized at once, with a random password printed once (the
database keeps only its bcrypt hash). Learners change it at /hub/change-password; the teacher
resets one at /hub/change-password/NAME (or here, with the hub stopped: a running hub may keep
the old hash in memory until its next database commit). A teacher is an account whose name
is in MICROGPT_HUB_TEACHERS (default: teacher), which the hub makes an admin.

Names: lower-case letters, digits and '-', starting with a letter, at most 24 characters (the
hub runs each learner's server as the Unix user `mgpt-NAME`, and Unix names stop at 32).

Imports: jupyterhub and nativeauthenticator (the `classroom` extra); nothing of microgpt's.
"""
import argparse
import os
import re
import secrets
import sys
from pathlib import Path

from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.handlers import LoginHandler as NativeLoginHandler

NAME = re.compile(r"^[a-z][a-z0-9-]{0,23}$")
DEFAULT_BASE = Path("/srv/microgpt-hub")


class _NoStatsd:
    """What NativeAuthenticator 1.3's login form asks of `handler.statsd`, which JupyterHub 6
    no longer has (the form's POST fails with AttributeError without it): a timer that does
    nothing."""

    def timer(self, name):
        return self

    def start(self):
        return self

    def stop(self, send=True):
        pass


class ClassroomAuthenticator(NativeAuthenticator):
    """NativeAuthenticator, its login form made to work on JupyterHub 6 as well (statsd), and
    its password check (bcrypt: about a second of a busy core) run beside the hub's one
    thread rather than on it, so a class logging in at the same moment does not stop the hub
    for everyone else: the rules are NativeAuthenticator's own (authorized, password, the
    block after failed attempts, two-factor if set up)."""

    async def authenticate(self, handler, data):
        import asyncio

        import bcrypt
        name = self.normalize_username(data["username"])
        user = self.get_user(name)               # the database: on the hub's thread
        if not user or self.allowed_failed_logins and self.is_blocked(name):
            return None
        stored, given = user.password, data["password"].encode()
        right = await asyncio.to_thread(lambda: bcrypt.hashpw(given, stored) == stored)
        if user.is_authorized and right and (
                not user.has_2fa or user.is_valid_token(data.get("2fa"))):
            self.successful_login(name)
            return name
        self.add_login_attempt(name)
        return None

    def get_handlers(self, app):
        class LoginHandler(NativeLoginHandler):
            statsd = _NoStatsd()
        return [(url, LoginHandler if handler is NativeLoginHandler else handler)
                for url, handler in super().get_handlers(app)]


def state_folder():
    """The hub's state folder, as classroom/jupyterhub_config.py finds it."""
    return Path(os.environ.get("MICROGPT_HUB_STATE") or DEFAULT_BASE / "state").expanduser()


def db_url(state=None):
    return f"sqlite:///{Path(state or state_folder()) / 'jupyterhub.sqlite'}"


def new_password():
    return secrets.token_urlsafe(9)          # 12 characters from 72 random bits


def check_name(name):
    if not NAME.match(name):
        raise ValueError(f"{name!r} is not a usable name: lower-case letters, digits and '-', "
                         "starting with a letter, at most 24 characters")
    return name


def session(url=None):
    """A session on the hub's database, with NativeAuthenticator's table in it."""
    import nativeauthenticator.orm  # noqa: F401 (puts `users_info` on the hub's tables)
    from jupyterhub import orm
    url = url or db_url()
    if url.startswith("sqlite:///"):
        folder = Path(url[len("sqlite:///"):]).parent
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return orm.new_session_factory(url)()


def set_password(db, name, password, new=None):
    """Create (new=True, authorized), update (new=False) or either (None) `name`'s account
    with `password`; returns True if the account is new."""
    import bcrypt
    from nativeauthenticator.orm import UserInfo
    check_name(name)
    if len(password) < 8:
        raise ValueError("a password needs 8 characters or more")
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt())
    info = UserInfo.find(db, name)
    if info is not None and new:
        raise ValueError(f"{name!r} has an account already (a new password: `password {name}`)")
    if info is None:
        if new is False:
            raise ValueError(f"there is no account {name!r} (add it first)")
        db.add(UserInfo(username=name, password=hashed, is_authorized=True))
    else:
        info.password, info.is_authorized = hashed, True
    db.commit()
    return info is None


def remove(db, name):
    """Remove `name`'s account (their home and work stay on disk); True if there was one."""
    from jupyterhub import orm
    from nativeauthenticator.orm import UserInfo
    info = UserInfo.find(db, name)
    user = db.query(orm.User).filter(orm.User.name == name).first()
    for row in (info, user):
        if row is not None:
            db.delete(row)
    db.commit()
    return info is not None


def names(db):
    from nativeauthenticator.orm import UserInfo
    return sorted((u.username, bool(u.is_authorized)) for u in UserInfo.all_users(db))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="new accounts; prints each name with its password")
    add.add_argument("names", nargs="+")
    pw = sub.add_parser("password", help="a new password for existing accounts")
    pw.add_argument("names", nargs="+")
    rm = sub.add_parser("remove", help="remove accounts (homes stay)")
    rm.add_argument("names", nargs="+")
    sub.add_parser("list", help="the accounts")
    args = parser.parse_args(argv)
    try:
        db = session()
        if args.command == "list":
            for name, authorized in names(db):
                print(name if authorized else f"{name} (waiting for approval)")
        elif args.command == "remove":
            for name in args.names:
                print(f"{name}: {'removed' if remove(db, name) else 'no such account'}")
        else:
            for name in args.names:
                password = new_password()
                set_password(db, name, password, new=args.command == "add")
                print(f"{name}\t{password}")
    except (ValueError, OSError) as exc:
        sys.exit(f"accounts: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
