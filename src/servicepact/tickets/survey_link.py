"""The signed satisfaction-survey link of a resolution e-mail (docs/adr/0017-survey-token.md).

Made here because the resolution e-mail is composed in this layer (``tickets.notify``); read
by ``servicepact.aftercare`` (above), which answers the survey. The token is Django signing
(HMAC with the secret key and this salt, timestamped), so nothing is stored when the e-mail
is written: it names the ticket and its resolution event. It is single-use because a ticket
has exactly one survey (the answer is the used flag), and it expires after
``SERVICEPACT["SURVEY_LINK_DAYS"]`` days (default 30).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core import signing

from servicepact.core.config import option

SALT = "servicepact.aftercare.survey"
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class SurveyLink:
    ticket_id: int
    event_id: int


class LinkExpired(Exception):
    """The signature is good but older than the link's life."""


class LinkForged(Exception):
    """Not a token this site signed."""


def link_days() -> int:
    return int(option("SURVEY_LINK_DAYS", DEFAULT_DAYS))


def survey_token(*, ticket_id: int, event_id: int) -> str:
    return signing.dumps([ticket_id, event_id], salt=SALT, compress=False)


def survey_path(*, ticket_id: int, event_id: int) -> str:
    return f"/portal/survey/{survey_token(ticket_id=ticket_id, event_id=event_id)}/"


def read_survey_token(token: str) -> SurveyLink:
    """The link's ticket and event; ``LinkExpired`` or ``LinkForged`` otherwise."""
    try:
        value = signing.loads(token, salt=SALT, max_age=timedelta(days=link_days()))
    except signing.SignatureExpired as exc:
        raise LinkExpired from exc
    except signing.BadSignature as exc:
        raise LinkForged from exc
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise LinkForged
    return SurveyLink(value[0], value[1])
