"""The Content Security Policy (django-csp): every HTML page is sent with a policy that lets only this site's scripts
and the response's nonce run, every <script> and <style> element of a page carries that nonce, and no template holds
an inline event handler or an inline script without the nonce (the browser tests show nothing is blocked)."""

import re
from pathlib import Path

import pytest

from heluo.core.models import Role
from tests.helpers import login, make_user

HELUO = Path(__file__).resolve().parents[2] / "heluo"
TEMPLATES = sorted(p for p in HELUO.glob("*/templates/**/*.html"))
OUR_JS = sorted(p for p in HELUO.glob("*/static/**/*.js") if "vendor" not in p.parts)


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


def pages(world):
    return {
        None: ["/", "/login/", "/organizations/", f"/organizations/{world.ent_a.pk}/", "/platforms/"],
        world.users.staff: [
            "/",
            "/organizations/",
            f"/organizations/{world.ent_a.pk}/",
            "/people/",
            f"/people/{world.person_a.pk}/",
            "/platforms/",
            "/annual/",
            "/account/",
            "/vouchers/programmes/",
            "/cultivation/",
        ],
    }


@pytest.mark.django_db
def test_every_page_is_sent_with_a_nonce_policy_and_its_scripts_carry_the_nonce(world, client):
    checked = 0
    for user, urls in pages(world).items():
        client.logout()
        login(client, user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert response["Content-Type"].startswith("text/html")
            directives = policy(response)
            script = directives["script-src"]
            nonces = [s for s in script if s.startswith("'nonce-")]
            assert "'self'" in script and len(nonces) == 1, (url, script)
            assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
            assert directives["default-src"] == ["'self'"] and directives["object-src"] == ["'none'"]
            assert directives["frame-ancestors"] == ["'none'"] and directives["base-uri"] == ["'self'"]
            assert directives["form-action"] == ["'self'"] and directives["img-src"] == ["'self'", "data:"]
            nonce = nonces[0][len("'nonce-") : -1]
            html = response.content.decode()
            for tag in re.findall(r"<(?:script|style)\b[^>]*>", html):
                if 'type="application/json"' in tag:
                    continue  # data, never run
                assert f'nonce="{nonce}"' in tag, (url, tag)
            checked += 1
    assert checked == sum(len(u) for u in pages(world).values())


@pytest.mark.django_db
def test_the_policy_changes_with_every_response(client):
    first, second = (policy(client.get("/login/"))["script-src"] for _ in range(2))
    assert first != second


@pytest.mark.django_db
def test_the_api_docs_page_has_the_policy_and_no_inline_script(client):
    make_user("staff", Role.BUREAU_STAFF)
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    script = policy(response)["script-src"]
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    for tag in re.findall(r"<script\b[^>]*>", response.content.decode()):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_templates_hold_no_inline_script_or_event_handler():
    assert len(TEMPLATES) > 50
    problems = []
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(HELUO)
        # onclick=, onchange= … and htmx's hx-on (which evaluates its value as script)
        problems += [f"{name}: {m}" for m in re.findall(r"\s(?:on[a-z]+|hx-on[:\w-]*)\s*=", text)]
        problems += [f"{name}: javascript: URL" for _ in re.findall(r"javascript:", text, re.IGNORECASE)]
        for tag in re.findall(r"<(?:script|style)\b[^>]*>", text):
            if "nonce=" not in tag:
                problems.append(f"{name}: {tag} without the nonce")
    assert problems == []


def test_our_scripts_build_no_html_from_strings_but_through_the_tooltip_escape():
    """Our own JavaScript never writes markup into the page itself; the only HTML it builds is ECharts tooltips, and
    every value put in those goes through esc()."""
    assert OUR_JS
    for path in OUR_JS:
        text = path.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", 'setTimeout("'):
            assert sink not in text, f"{path.name}: {sink}"
        if "formatter:" in text and "<br>" in text:  # an HTML tooltip
            assert "function esc(" in text or "var esc = function" in text, path.name
