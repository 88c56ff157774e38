"""``/widget.js``: the one file a retailer's page loads, at a short stable URL, cacheable."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def test_it_serves_the_widget_script_as_javascript_with_a_cache_lifetime(client):
    response = client.get("/widget.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert "public" in response["Cache-Control"] and "max-age=3600" in response["Cache-Control"]
    assert response["ETag"]
    assert response.content == (Path(settings.BASE_DIR) / "static/widget/widget.js").read_bytes()


def test_other_sites_may_load_it(client):
    response = client.get("/widget.js")

    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"


def test_an_unchanged_script_is_not_sent_again(client):
    etag = client.get("/widget.js")["ETag"]

    response = client.get("/widget.js", headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_it_is_read_only(client):
    assert client.post("/widget.js").status_code == 405
    assert client.head("/widget.js").status_code == 200
