import json

import pytest
from fastapi.testclient import TestClient
from scripted import ScriptedChatModel

from api.app import create_app, get_chain
from briefing.chains.brief import BriefChain
from briefing.llm.backend import Backend
from briefing.settings import Settings, StructuredMode

DRAFT = {"bluf": "Russia dismissed General Sergey Kisel.", "actors": [], "sources": [],
         "developments": [], "uncertainties": []}  # fmt: skip


@pytest.fixture
def client_and_model() -> tuple[TestClient, ScriptedChatModel]:
    model = ScriptedChatModel(script=[json.dumps(DRAFT)])
    backend = Backend(chat=model, model="scripted", label="scripted", mode=StructuredMode.PLAIN)
    app = create_app()
    chain = BriefChain(Settings(), backend=backend)
    app.dependency_overrides[get_chain] = lambda: chain
    return TestClient(app, raise_server_exceptions=False), model


def test_health_and_schema(client_and_model) -> None:  # type: ignore[no-untyped-def]
    client, _ = client_and_model
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/v1/schemas/brief").json()["title"] == "Brief"


def test_brief_inline_report(client_and_model) -> None:  # type: ignore[no-untyped-def]
    client, model = client_and_model
    text = (
        "HUR says Russia has dismissed General Sergey Kisel from command of its Syrian contingent."
    )
    response = client.post("/v1/briefs", json={"text": text, "published_at": "2024-12-02"})
    assert response.status_code == 200, response.text
    brief = response.json()
    assert brief["bluf"] == DRAFT["bluf"]
    assert {"HUR", "Sergey Kisel"} <= {a["name"] for a in brief["actors"]}
    assert brief["report"]["published"] == "2024-12-02"
    assert len(model.calls) == 1


@pytest.mark.parametrize(
    ("payload", "status", "needle"),
    [
        ({"title": "no text"}, 422, "text"),
        ({"text": ""}, 422, "text"),
        ({"text": "   "}, 422, "empty"),
        ({"text": "ok", "published_at": "soon"}, 422, "published_at"),
    ],
)
def test_bad_input_is_problem_json(
    client_and_model, payload: dict, status: int, needle: str
) -> None:  # type: ignore[no-untyped-def]
    client, _ = client_and_model
    response = client.post("/v1/briefs", json=payload)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and needle in json.dumps(body)
    assert "Traceback" not in response.text


def test_unknown_route_is_problem_json(client_and_model) -> None:  # type: ignore[no-untyped-def]
    client, _ = client_and_model
    response = client.get("/v1/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
