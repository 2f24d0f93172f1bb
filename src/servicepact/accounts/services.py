"""API tokens: created with a random 256-bit secret of which only the SHA-256 is stored,
optionally expiring, revocable; the last use is recorded at most once a minute."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import connections, router, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from servicepact.accounts.models import ApiToken, StaffProfile
from servicepact.core.config import option
from servicepact.core.errors import DomainValidationError
from servicepact.core.i18n import language_choices, supported
from servicepact.core.time import now

TOKEN_PREFIX = "sp_"
# A token request writes ``last_used_at`` only when the stored value is older than this,
# so plain reads do not write (and queue behind a long write on SQLite) every time.
LAST_USED_RESOLUTION = timedelta(minutes=1)
NAME_MAX = ApiToken._meta.get_field("name").max_length or 100


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_hashed_token(prefix: str, shown: int = 12) -> tuple[str, str, str]:
    """A random 256-bit secret for a bearer token: (raw, the first ``shown`` characters to
    show in lists, SHA-256 to store). The raw token is shown once and never stored."""
    raw = prefix + secrets.token_urlsafe(32)
    return raw, raw[:shown], hash_token(raw)


def default_expiry(created_at: datetime) -> datetime | None:
    """``SERVICEPACT["API_TOKEN_DAYS"]`` after creation; 0 means tokens do not expire."""
    days = int(option("API_TOKEN_DAYS", 365))
    return created_at + timedelta(days=days) if days > 0 else None


@transaction.atomic
def create_api_token(
    *, user: User, name: str = "", days: int | None = None
) -> tuple[ApiToken, str]:
    """Creates a token and returns it with the raw secret, which is shown once and never stored.

    ``days`` overrides the default lifetime; 0 makes a token that does not expire.
    """
    if len(name) > NAME_MAX:
        raise DomainValidationError(
            _("At most %(NAME_MAX)s characters.") % {"NAME_MAX": NAME_MAX}, field="name"
        )
    if days is not None and not 0 <= days <= 3650:
        raise DomainValidationError(_("Between 0 (no expiry) and 3650 days."), field="days")
    moment = now()
    if days is None:
        expires_at = default_expiry(moment)
    else:
        expires_at = moment + timedelta(days=days) if days > 0 else None
    raw, prefix, digest = new_hashed_token(TOKEN_PREFIX, shown=10)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, key_hash=digest, expires_at=expires_at
    )
    return token, raw


# The token lookup's query with a stand-in for the hash, compiled once per database alias.
_HASH_PROBE = "\x00key_hash"


@functools.cache
def _token_lookup(db: str) -> tuple[str, Any, list[Any]]:
    """(SQL with one parameter, its query, the query's columns): the ORM's own query for
    ``authenticate_token``, compiled once per database alias instead of on every API request
    (building and compiling it cost more than running it)."""
    # ``key_hash`` is unique: no ordering; the expiry is checked on the row read, at the same
    # moment (a third less to build than with both in SQL).
    query = (
        ApiToken.objects.using(db)
        .select_related("user")
        .filter(key_hash=_HASH_PROBE, revoked_at__isnull=True)
        .order_by()[:1]
        .query
    )
    compiler = query.get_compiler(using=db)
    sql, params = compiler.as_sql()
    if list(params) != [_HASH_PROBE]:  # the hash must be its only parameter
        raise RuntimeError(f"unexpected parameters of the token lookup: {params!r}")
    return sql, query, [col for col, _sql, _alias in compiler.select]


def authenticate_token(raw: str) -> User | None:
    """The active user a live token belongs to, or None (unknown, revoked or expired)."""
    moment = now()
    db = router.db_for_read(ApiToken)
    sql, query, columns = _token_lookup(db)
    with connections[db].cursor() as cursor:
        cursor.execute(sql, [hash_token(raw)])
        rows = cursor.fetchall()
    if not rows:
        return None
    compiler = query.get_compiler(using=db)  # this thread's connection, for the converters
    converters = compiler.get_converters(columns)
    row = next(iter(compiler.apply_converters(rows, converters))) if converters else rows[0]
    tokens, users = ApiToken._meta.concrete_fields, User._meta.concrete_fields
    if len(row) != len(tokens) + len(users):
        raise RuntimeError("unexpected columns of the token lookup")
    token = ApiToken.from_db(db, [f.attname for f in tokens], row[: len(tokens)])
    token.user = User.from_db(db, [f.attname for f in users], row[len(tokens) :])
    if not token.is_usable(moment) or not token.user.is_active:
        return None
    record_use(token=token, at=moment)
    return token.user


def record_use(*, token: ApiToken, at: datetime) -> bool:
    """Stores ``at`` as the last use unless one within the last minute is already stored.

    The row read above decides whether to write at all; the conditional UPDATE keeps two
    concurrent requests from both writing. Runs in autocommit (no surrounding transaction
    in the auth step), so it holds no lock beyond its own statement.
    """
    cutoff = at - LAST_USED_RESOLUTION
    if token.last_used_at is not None and token.last_used_at > cutoff:
        return False
    written = (
        ApiToken.objects.filter(pk=token.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=cutoff))
        .update(last_used_at=at)
    )
    return written == 1


@transaction.atomic
def revoke_api_token(*, token: ApiToken) -> bool:
    """Revokes the token; False if it already was (the first revocation time stays)."""
    return bool(
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now())
    )


def revoke_api_tokens(*, tokens: list[ApiToken]) -> int:
    """Revokes each token (the admin's bulk action); returns how many were live."""
    return sum(revoke_api_token(token=token) for token in tokens)


def check_language(language: str, field: str = "preferred_language") -> str:
    """``language`` as settings.LANGUAGES spells it, "" for no preference; else a 422 on
    ``field``."""
    if not language:
        return ""
    code = supported(language)
    if code is None:
        offered = ", ".join(code for code, _name in language_choices())
        raise DomainValidationError(
            _("Not a language this site offers (%(offered)s).") % {"offered": offered},
            field=field,
        )
    return code


@transaction.atomic
def set_staff_language(*, user: User, language: str) -> StaffProfile:
    """A staff member's preferred language ("" = none: the browser's); makes the profile if
    the user has none yet."""
    code = check_language(language)
    profile, _created = StaffProfile.objects.select_for_update().get_or_create(user=user)
    profile.preferred_language = code
    profile.save(update_fields=["preferred_language", "updated_at"])
    return profile
