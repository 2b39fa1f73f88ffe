"""Every text the pages show, in one catalogue per language, so a translation (Dutch first) is one more dict.

Templates call `t("key", name=...)`; a key missing from a language falls back to English, and a key missing
from English is a programming error (KeyError), caught by the unit tests that render every page.
"""

from __future__ import annotations

from collections.abc import Callable

EN: dict[str, str] = {
    "app.name": "Gymloop",
    "app.back_office": "Gymloop back office",
    "nav.skip": "Skip to content",
    "nav.main": "Main",
    "nav.dashboard": "Dashboard",
    "nav.members": "Members",
    "nav.settings": "Settings",
    "nav.logout": "Log out",
    "nav.studio": "Studio",
    "nav.switch_studio": "Switch",
    "nav.signed_in_as": "Signed in as {email} ({role})",
    "role.member": "member",
    "role.employee": "employee",
    "role.admin": "admin",
    "login.title": "Log in",
    "login.email": "E-mail",
    "login.password": "Password",
    "login.studio": "Studio",
    "login.submit": "Log in",
    "login.forgot": "Forgot your password, or never chose one?",
    "login.choose_studio": "This login belongs to several studios: choose one and enter your password again.",
    "login.members_only": (
        "This login is a member account: the back office is for the studio's staff. Members use the Gymloop app."
    ),
    "notice.expired": "Your session has ended: log in again.",
    "notice.password_set": "Your password is set: log in with it.",
    "notice.logged_out": "You are logged out.",
    "forgot.title": "Choose a password",
    "forgot.intro": "Enter your e-mail: if it has a login, we send a link to choose a password.",
    "forgot.submit": "Send the link",
    "forgot.sent": "If this e-mail has a login, a link to choose a password is on its way: look in your inbox.",
    "password.title": "Choose your password",
    "password.new": "New password",
    "password.repeat": "New password again",
    "password.submit": "Save the password",
    "password.mismatch": "The two passwords differ: type the same password twice.",
    "password.no_token": "This page needs the link from your e-mail. Ask for a new link if it has expired.",
    "password.new_link": "Ask for a new link",
    "dashboard.title": "Dashboard",
    "dashboard.welcome": "Welcome, {email}",
    "dashboard.studio": "You work in {studio} as {role}.",
    "dashboard.find_member": "Find a member",
    "dashboard.active_people": "active members and staff",
    "members.title": "Members",
    "members.search": "Search by name or e-mail",
    "members.search_submit": "Search",
    "members.status": "Status",
    "members.status_any": "Any",
    "members.status_active": "Active",
    "members.status_archived": "Archived",
    "members.name": "Name",
    "members.email": "E-mail",
    "members.role": "Role",
    "members.tags": "Tags",
    "members.count": "{total} found",
    "members.none": "No member matches.",
    "members.previous": "Previous",
    "members.next": "Next",
    "members.page": "{first}-{last} of {total}",
    "settings.title": "Studio settings",
    "settings.name": "Studio name",
    "settings.timezone": "Time zone",
    "settings.save": "Save",
    "settings.saved": "Saved.",
    "studio.switch_title": "Switch studio",
    "error.title": "Something went wrong",
    "error.forbidden_title": "Not for your role",
    "error.forbidden": "This page is for a studio's admins. Ask an admin of your studio if you need it.",
    "error.not_found_title": "Page not found",
    "error.not_found": "There is no page at this address.",
    "error.csrf": "The form had expired or did not come from this site: reload the page and try again.",
    "error.unavailable": "The Gymloop platform does not answer right now: try again in a moment.",
    "error.form": "Please correct what is marked below.",
    "error.back": "Back to the dashboard",
}

CATALOGUES: dict[str, dict[str, str]] = {"en": EN}


def translator(language: str) -> Callable[..., str]:
    """`t(key, **params)` for one language, falling back to English key by key."""
    catalogue = CATALOGUES.get(language, EN)

    def t(key: str, **params: object) -> str:
        text = catalogue.get(key) or EN[key]
        return text.format(**params) if params else text

    return t
