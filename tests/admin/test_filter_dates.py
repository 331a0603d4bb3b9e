"""Date filters the reports cannot use are a 400 that names the field (issue 13, item 15).

`enrolled_to=9999-12-31` was a 500: the report adds a day to the end date (OverflowError).
"""

from __future__ import annotations

import pytest

ENDPOINTS = ["/admin/", "/admin/learners", "/admin/reports/completions.csv"]
ENDPOINTS += ["/admin/reports/attempts.csv"]
LABELS = {"enrolled_from": "Enrolled from", "enrolled_to": "Enrolled until"}
BAD = [
    ("enrolled_to", "9999-12-31"),
    ("enrolled_from", "9999-12-31"),
    ("enrolled_to", "0001-01-01"),
    ("enrolled_from", "0001-01-01"),
    ("enrolled_to", "2026-02-30"),
    ("enrolled_from", "garbage"),
    ("enrolled_to", "99999-01-01"),
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("name, value", BAD)
def test_a_date_the_reports_cannot_use_is_a_400_naming_the_field(
    client, admin, endpoint, name, value
):
    response = client.get(f"{endpoint}?{name}={value}")
    assert response.status_code == 400
    assert LABELS[name] in response.get_data(as_text=True)
    assert response.mimetype == "text/html"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_dates_at_the_edges_of_the_range_are_accepted(client, admin, endpoint):
    response = client.get(f"{endpoint}?enrolled_from=1900-01-01&enrolled_to=2999-12-31")
    assert response.status_code == 200


def test_the_dashboard_keeps_its_filters_form_with_the_error(client, admin):
    page = client.get("/admin/?enrolled_to=9999-12-31").get_data(as_text=True)
    assert 'id="enrolled_to-error"' in page and "Apply filters" in page
