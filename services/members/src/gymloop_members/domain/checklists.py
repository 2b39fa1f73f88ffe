"""Checklist templates: a named list of actions (e.g. a new-member checklist)."""

from __future__ import annotations

from gymloop_members.domain.errors import DomainError

MAX_ACTIONS = 100


def check_template(name: str, actions: list[str]) -> tuple[str, list[str]]:
    cleaned_name = " ".join(name.split())
    if not cleaned_name:
        raise DomainError(code="checklist_name_empty", field="name", message="the checklist has no name: fill it in")
    cleaned = [" ".join(action.split()) for action in actions]
    if not cleaned:
        raise DomainError(code="checklist_no_actions", field="actions", message="a checklist needs at least one action")
    if len(cleaned) > MAX_ACTIONS:
        raise DomainError(
            code="checklist_too_long", field="actions", message=f"a checklist has at most {MAX_ACTIONS} actions"
        )
    for position, action in enumerate(cleaned, start=1):
        if not action:
            raise DomainError(
                code="checklist_action_empty", field="actions", message=f"action {position} is empty: fill it in"
            )
    return cleaned_name, cleaned
