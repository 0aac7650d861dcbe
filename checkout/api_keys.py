"""API keys for the shop's backend: created, listed, revoked, and checked on every API call.

A key looks like ``ck_live_<43 url-safe characters>`` (256 random bits). Its plaintext is
returned once, by ``create``; the database keeps only its SHA-256 and a short visible
prefix (``ck_live_AbCd``) so people can tell keys apart in lists. Looking a key up by the
digest of what was presented is an index lookup that reveals nothing about stored keys,
and a high-entropy key needs no slow password hash.

Each key carries scopes (``read``: look at sessions; ``write``: create and cancel them;
``refund``: refund them) and may carry an expiry, after which it is refused like a
revoked key. Scopes and expiry are fixed when the key is made: to change them, make a new
key and revoke the old one, so a key's powers never grow behind the shop's back.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from checkout import audit
from checkout.errors import InvalidRequest, NotFound
from checkout.extensions import db
from checkout.models import ApiKey
from checkout.timeutil import utcnow

KEY_MARKER = "ck_live_"
VISIBLE_CHARS = 4  # after the marker: "ck_live_AbCd"
MAX_NAME = 80
# Writing last_used_at on every call would turn each read into a write; a minute is precise enough.
LAST_USED_PRECISION = timedelta(minutes=1)

READ, WRITE, REFUND = "read", "write", "refund"
SCOPES = (READ, WRITE, REFUND)  # the order they are shown and stored in
MAX_LIFETIME = timedelta(days=5 * 366)


@dataclass(frozen=True)
class Caller:
    """Who is calling the API: a key's id and name, detached from any session."""

    id: int
    name: str
    prefix: str
    scopes: frozenset[str] = frozenset(SCOPES)
    expires_at: datetime | None = None

    @property
    def actor(self) -> str:
        return f"api:{self.name}"

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or utcnow())


def normalise_scopes(scopes) -> tuple[str, ...]:
    """Known scopes in canonical order. Raises InvalidRequest for none or an unknown one."""
    chosen = {str(s).strip() for s in (scopes or []) if str(s).strip()}
    unknown = sorted(chosen - set(SCOPES))
    if unknown:
        raise InvalidRequest("Unknown scope: " + ", ".join(unknown) + ".", code="invalid_scopes",
                             fields={"scopes": "Choose from " + ", ".join(SCOPES) + "."})
    if not chosen:
        raise InvalidRequest("Choose at least one scope.", code="invalid_scopes", fields={"scopes": "Required."})
    return tuple(s for s in SCOPES if s in chosen)


def scopes_of(key: ApiKey) -> tuple[str, ...]:
    return tuple(s for s in SCOPES if s in (key.scopes or "").split())


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return KEY_MARKER + secrets.token_urlsafe(32)


def create(name: str, *, actor: str, scopes=SCOPES, expires_at: datetime | None = None) -> tuple[ApiKey, str]:
    """Store a new key and return it with its plaintext, which is never available again. Commits.

    ``scopes``: a non-empty subset of SCOPES. ``expires_at`` (naive UTC): None for a key
    that does not expire; otherwise in the future and within MAX_LIFETIME."""
    name = (name or "").strip()
    if not name:
        raise InvalidRequest("Give the key a name.", code="invalid_name", fields={"name": "Required."})
    if len(name) > MAX_NAME:
        raise InvalidRequest(f"The name is longer than {MAX_NAME} characters.", code="invalid_name",
                             fields={"name": "Too long."})
    chosen = normalise_scopes(scopes)
    now = utcnow()
    if expires_at is not None and not now < expires_at <= now + MAX_LIFETIME:
        raise InvalidRequest("The expiry must be in the future and within five years.", code="invalid_expiry",
                             fields={"expires_at": "Out of range."})
    token = new_token()
    key = ApiKey(name=name, prefix=token[: len(KEY_MARKER) + VISIBLE_CHARS], key_hash=digest(token),
                 created_at=now, scopes=" ".join(chosen), expires_at=expires_at)
    db.session.add(key)
    db.session.flush()
    audit.record(actor, "api_key.created", subject_type="api_key", subject_id=key.id,
                 details={"name": name, "prefix": key.prefix, "scopes": list(chosen),
                          "expires_at": expires_at.isoformat() + "Z" if expires_at else None})
    db.session.commit()
    return key, token


def find(id_or_prefix: str) -> ApiKey:
    """A key by numeric id or by its visible prefix. Raises NotFound, or InvalidRequest if ambiguous."""
    text = (id_or_prefix or "").strip()
    conditions = [ApiKey.prefix == text]
    if text.isdigit():
        conditions.append(ApiKey.id == int(text))
    matches = list(db.session.scalars(select(ApiKey).where(or_(*conditions))))
    if not matches:
        raise NotFound("No API key with that id or prefix.", code="api_key_not_found")
    if len(matches) > 1:
        raise InvalidRequest("Several keys share that prefix; use the id.", code="ambiguous_api_key")
    return matches[0]


def revoke(key_id: int, *, actor: str) -> ApiKey:
    """Revoke a key; calls made with it fail from now on. Idempotent. Commits."""
    key = db.session.get(ApiKey, key_id)
    if key is None:
        raise NotFound("No API key with that id.", code="api_key_not_found")
    rows = db.session.execute(
        update(ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None)).values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if rows:
        audit.record(actor, "api_key.revoked", subject_type="api_key", subject_id=key.id,
                     details={"name": key.name, "prefix": key.prefix})
    db.session.commit()
    db.session.refresh(key)
    return key


def all_keys() -> list[ApiKey]:
    """Active keys first, newest first."""
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.id.desc())))


def authenticate(token: str | None) -> Caller | None:
    """The unrevoked key behind a presented token, or None. Never raises for bad input.
    The caller may have expired: the API answers that case in its own words."""
    if not token or not token.startswith(KEY_MARKER) or len(token) > 200:
        return None
    wanted = digest(token)
    key = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == wanted))
    # The lookup already matched on the digest; comparing again in constant time keeps
    # the decision itself free of any timing difference.
    if key is None or not hmac.compare_digest(key.key_hash, wanted) or key.revoked_at is not None:
        return None
    return Caller(id=key.id, name=key.name, prefix=key.prefix, scopes=frozenset(scopes_of(key)),
                  expires_at=key.expires_at)


def touch(caller: Caller) -> None:
    """Note that the key was used (at most once a minute). Adds to the session; caller commits."""
    now = utcnow()
    db.session.execute(
        update(ApiKey)
        .where(ApiKey.id == caller.id,
               or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - LAST_USED_PRECISION))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
