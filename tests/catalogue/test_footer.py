"""The footer on every page (issue 13)."""

import re

import pytest


@pytest.mark.parametrize("path", ["/", "/courses/basics", "/login", "/verify"])
def test_footer_links_to_certificate_verification(client, path):
    page = client.get(path).get_data(as_text=True)
    footer = page.split('<footer class="site-footer">')[1]
    assert re.search(r'<a href="/verify">Verify a certificate</a>', footer)


def test_footer_verification_link_is_translated(client):
    page = client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    footer = page.split("<footer")[1]
    assert 'href="/verify"' in footer and "Vérifier un certificat" in footer
