"""Info-page posts: a title and a text shown in the app, checked as an in-app message is, with each problem named
after the post's own fields (a post has a title, not a subject)."""

from __future__ import annotations

from dataclasses import dataclass

from gymloop_kit.errors import AppError, InvalidFields

from gymloop_notifications.domain.audience import Channel
from gymloop_notifications.domain.errors import DomainError, InvalidFieldsError
from gymloop_notifications.domain.messages import compose_message


@dataclass(frozen=True, slots=True)
class InfoPostText:
    title: str
    body: str


def compose_info_post(title: str, body: str) -> InfoPostText:
    """Trimmed and validated; every problem reported at once."""
    try:
        message = compose_message(Channel.IN_APP, title, body)
    except InvalidFields as refused:
        raise InvalidFieldsError(_as_post_problem(problem) for problem in refused.problems) from None
    return InfoPostText(title=message.subject, body=message.body)


def _as_post_problem(problem: AppError) -> AppError:
    if problem.field != "subject":
        return problem
    return DomainError(problem.message, code=problem.code.replace("subject_", "title_", 1), field="title")
