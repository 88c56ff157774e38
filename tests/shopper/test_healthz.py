"""GET /healthz — the process and its database answer."""

import json


def test_it_answers_ok_after_asking_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_it_refuses_writes(client, db):
    assert client.post("/healthz").status_code == 405
