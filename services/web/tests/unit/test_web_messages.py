"""Every text of every template comes from the message catalogue (so a translation is one more dict), and the
templates escape whatever they are given."""

import re
from pathlib import Path

import pytest
from gymloop_web.messages import EN, translator
from gymloop_web.rendering import TEMPLATES_DIR, environment

pytestmark = pytest.mark.unit

LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z_.]+)["']\s*[,)]""")
PREFIX_KEY = re.compile(r"""\bt\(\s*["']([a-z_.]+)["']\s*~""")


def template_sources() -> dict[str, str]:
    root = Path(TEMPLATES_DIR)
    return {str(path.relative_to(root)): path.read_text() for path in root.rglob("*.html")}  # app/ too


def test_every_literal_message_key_in_the_templates_is_in_the_english_catalogue():
    used = {key for source in template_sources().values() for key in LITERAL_KEY.findall(source)}
    assert used, "the templates should use the catalogue"
    assert sorted(used - EN.keys()) == []


def test_every_computed_message_key_has_entries():
    prefixes = {key for source in template_sources().values() for key in PREFIX_KEY.findall(source)}
    assert {"role.", "notice.", "members.status_"} <= prefixes
    for prefix in prefixes:
        assert any(key.startswith(prefix) for key in EN), prefix
    for role in ("member", "employee", "admin"):
        assert f"role.{role}" in EN
    for notice in ("password_set", "logged_out", "expired"):
        assert f"notice.{notice}" in EN


def test_an_unknown_language_falls_back_to_english_with_parameters():
    t = translator("xx")
    assert t("members.count", total=3) == "3 found"


def test_autoescape_is_on_for_every_template():
    env = environment()
    rendered = env.from_string("<p>{{ name }}</p>").render(name="<script>alert(1)</script>")
    assert rendered == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
