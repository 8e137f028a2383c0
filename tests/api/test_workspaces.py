"""Workspaces through the request path ``serve`` runs: creating, listing and deleting them, every
``/_sandbox/`` resource scoped to one, the provider API routed by account, isolation, tokens
and the bound on their number."""

from __future__ import annotations

import re

import pytest
from werkzeug.test import Client

from ihuyi_sandbox.api.config import Config
from ihuyi_sandbox.service.records import DEMO_APIKEY
from ihuyi_sandbox.service.workspaces import WorkspacePolicy
from ihuyi_sandbox.testing.driver import in_process

CODE_TEXT = "您的验证码是：{}。请不要把验证码泄露给其他人。"
SMS = "/webservice/sms.php?method=Submit"
VOICE = "/webservice/voice.php?method=Submit"


def sandbox(**config: object) -> Client:
    return in_process(Config(db=":memory:", **config))  # type: ignore[arg-type] # the shipped default scenario


def create(client: Client, body: dict | None = None, **headers: str) -> dict:
    response = client.post("/_sandbox/workspaces", json=body or {}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def sms_account(workspace: dict) -> str:
    return workspace["apiids"]["C00000001"]


def send_sms(client: Client, account: str, mobile: str, code: str) -> bytes:
    return client.post(SMS, data={"account": account, "password": DEMO_APIKEY, "mobile": mobile,
                                  "content": CODE_TEXT.format(code)}).data


def send_voice(client: Client, account: str, mobile: str, code: str) -> bytes:
    return client.post(VOICE, data={"account": account, "password": DEMO_APIKEY, "mobile": mobile,
                                    "content": code}).data


@pytest.fixture
def client() -> Client:
    return sandbox()


def test_a_workspace_gets_fresh_accounts_of_the_scenario_with_apiids_of_the_same_products(client):
    made = create(client)

    assert re.fullmatch(r"[0-9a-f]{12}", made["id"]) and made["url"] == f"/_sandbox/workspaces/{made['id']}/"
    assert made["scenario"] == "default"
    assert sorted(made["apiids"]) == ["C00000001", "I00000001", "M00000001", "V00000001", "VM00000001"]
    for template, apiid in made["apiids"].items():
        letters = re.match(r"\D*", template).group()
        assert re.fullmatch(rf"{letters}\d{{8}}", apiid) and apiid != template
    accounts = {a["apiid"]: a for a in made["accounts"]}
    assert sorted(accounts) == sorted(made["apiids"].values())
    assert {a["balance"] for a in accounts.values()} == {1000}
    assert {a["apikey"] for a in accounts.values()} == {DEMO_APIKEY}


def test_apiids_are_unique_across_the_sandbox(client):
    made = [create(client) for _ in range(5)]
    apiids = [apiid for workspace in made for apiid in workspace["apiids"].values()]
    own = [a["apiid"] for a in client.get("/_sandbox/accounts").get_json()["accounts"]]

    assert len(set(apiids)) == len(apiids) and not set(apiids) & set(own)


def test_an_account_of_the_sandbox_s_own_cannot_take_a_workspace_s_apiid_nor_the_other_way(client):
    made = create(client)
    taken = sms_account(made)
    base = made["url"]

    own = client.post("/_sandbox/accounts", json={"apiid": taken, "apikey": "k"})
    theirs = client.post(f"{base}accounts", json={"apiid": "C00000001", "apikey": "k"})
    fresh = client.post(f"{base}accounts", json={"apiid": "C77777777", "apikey": DEMO_APIKEY, "balance": 3})

    assert own.status_code == 409 and theirs.status_code == 409
    assert fresh.status_code == 201
    assert b"<code>2</code>" in send_sms(client, "C77777777", "13800000001", "1234")
    assert client.get(f"{base}accounts/C77777777").get_json()["balance"] == 2


def test_the_provider_api_answers_a_workspace_s_account_from_that_workspace(client):
    made = create(client)
    base = made["url"]

    answer = send_sms(client, sms_account(made), "13800000001", "4321")

    assert b"<code>2</code>" in answer
    assert [m["code"] for m in client.get(f"{base}messages").get_json()["messages"]] == ["4321"]
    assert client.get(f"{base}messages/latest?mobile=13800000001").get_json()["code"] == "4321"
    assert client.get("/_sandbox/messages").get_json()["messages"] == []
    assert client.get("/_sandbox/requests").get_json()["requests"] == []
    assert [r["code"] for r in client.get(f"{base}requests").get_json()["requests"]] == [2]
    assert client.get(f"{base}accounts/{sms_account(made)}").get_json()["balance"] == 999
    assert client.get("/_sandbox/accounts/C00000001").get_json()["balance"] == 1000


def test_the_scenario_s_own_apiids_stay_the_sandbox_s(client):
    made = create(client)

    assert b"<code>2</code>" in send_sms(client, "C00000001", "13800000001", "1111")

    assert client.get(f"{made['url']}messages").get_json()["messages"] == []
    assert [m["code"] for m in client.get("/_sandbox/messages").get_json()["messages"]] == ["1111"]


def test_a_reset_or_a_scenario_switch_in_one_workspace_changes_nothing_elsewhere(client):
    one, two = create(client), create(client)
    for workspace, code in ((one, "1111"), (two, "2222")):
        send_sms(client, sms_account(workspace), "13800000001", code)
    send_sms(client, "C00000001", "13800000001", "3333")

    assert client.post(f"{one['url']}reset").status_code == 200
    switched = client.put(f"{two['url']}scenario", json={"name": "insufficient-balance"})

    assert switched.status_code == 200
    assert client.get(f"{one['url']}messages").get_json()["messages"] == []
    assert client.get(f"{two['url']}messages").get_json()["messages"] == []
    assert [m["code"] for m in client.get("/_sandbox/messages").get_json()["messages"]] == ["3333"]
    assert client.get(f"{two['url']}scenarios").get_json()["active"]["name"] == "insufficient-balance"
    assert client.get(f"{one['url']}scenarios").get_json()["active"]["name"] == "default"
    assert client.get("/_sandbox/scenarios").get_json()["active"]["name"] == "default"


def test_a_workspace_keeps_its_apiids_through_resets_and_switches(client):
    made = create(client)
    voice = made["apiids"]["V00000001"]

    client.post(f"{made['url']}reset")
    client.put(f"{made['url']}scenario", json={"name": "insufficient-balance"})
    listed = client.get(f"/_sandbox/workspaces/{made['id']}").get_json()

    assert listed["apiids"]["V00000001"] == voice
    assert voice in [a["apiid"] for a in listed["accounts"]]
    answers = [send_voice(client, voice, "13800000001", "1234") for _ in range(4)]
    assert [re.search(rb"<code>(\d+)</code>", a).group(1) for a in answers] == [b"2", b"2", b"2", b"4051"]


def test_rules_that_name_an_account_name_the_workspace_s(client):
    toml = '''name = "frozen-one"
description = "a rule for one account"
[[accounts]]
apiid = "C00000001"
apikey = "0123456789abcdef0123456789abcdef"
balance = 10
[[accounts]]
apiid = "C00000002"
apikey = "0123456789abcdef0123456789abcdef"
balance = 10
[[rules]]
account = "C00000002"
code = 4050
'''
    made = create(client, {"toml": toml})

    first = send_sms(client, made["apiids"]["C00000001"], "13800000001", "1234")
    second = send_sms(client, made["apiids"]["C00000002"], "13800000001", "1234")

    assert b"<code>2</code>" in first and b"<code>4050</code>" in second


def test_the_blacklist_refused_ips_templates_replies_and_receipts_are_the_workspace_s(client):
    made = create(client)
    base, account = made["url"], sms_account(made)

    assert client.put(f"{base}blacklist/13800000009").status_code in (200, 201)
    assert client.put(f"{base}refused-ips/10.1.2.3").status_code in (200, 201)
    template = client.post(f"{base}templates", json={"account": account, "product": "sms",
                                                     "content": "您的订单【变量】已发货。", "status": "approved"})
    reply = client.post(f"{base}replies", json={"account": account, "mobile": "13800000001", "content": "TD"})

    assert template.status_code == 201 and reply.status_code == 201
    assert b"<code>4030</code>" in send_sms(client, account, "13800000009", "1234")
    assert client.get(f"{base}blacklist").get_json() != client.get("/_sandbox/blacklist").get_json()
    assert client.get(f"{base}refused-ips").get_json() != client.get("/_sandbox/refused-ips").get_json()
    assert [t["content"] for t in client.get(f"{base}templates").get_json()["templates"]] == ["您的订单【变量】已发货。"]
    assert client.get("/_sandbox/templates").get_json()["templates"] == []
    assert [r["content"] for r in client.get(f"{base}replies").get_json()["replies"]] == ["TD"]
    assert client.get("/_sandbox/replies").get_json()["replies"] == []
    assert client.get(f"{base}receipts").get_json()["receipts"] == client.get("/_sandbox/receipts").get_json()["receipts"] == []


def test_a_frequency_limit_counts_only_its_workspace_s_deliveries(client):
    one, two = create(client, {"scenario": "frequency-limits"}), create(client, {"scenario": "frequency-limits"})
    template = next(t for t in one["apiids"] if t.startswith("C"))

    first = send_sms(client, one["apiids"][template], "13800000001", "1234")
    other = send_sms(client, two["apiids"][template], "13800000001", "1234")

    assert b"<code>2</code>" in first and b"<code>2</code>" in other  # per second: one each, in each workspace


def test_listing_and_deleting_workspaces(client):
    made = create(client)
    account = sms_account(made)

    listed = client.get("/_sandbox/workspaces").get_json()
    deleted = client.delete(f"/_sandbox/workspaces/{made['id']}")

    assert [w["id"] for w in listed["workspaces"]] == [made["id"]]
    assert listed["max_workspaces"] == 100 and listed["idle_seconds"] == 6 * 3600
    assert deleted.get_json() == {"status": "deleted", "id": made["id"]}
    assert client.get("/_sandbox/workspaces").get_json()["workspaces"] == []
    assert client.get(f"{made['url']}messages").status_code == 404
    assert client.delete(f"/_sandbox/workspaces/{made['id']}").status_code == 404
    assert b"<code>405</code>" in send_sms(client, account, "13800000001", "1234")  # its accounts are gone


@pytest.mark.parametrize("path", ["messages", "messages/latest?mobile=13800000001", "requests", "accounts",
                                  "blacklist", "refused-ips", "scenarios", "receipts", "replies", "templates"])
def test_every_resource_of_an_unknown_workspace_is_404(client, path):
    response = client.get(f"/_sandbox/workspaces/000000000000/{path}")

    assert response.status_code == 404
    assert "no workspace '000000000000'" in response.get_json()["error"]


@pytest.mark.parametrize("body, reason", [
    ({"scenario": 1}, 'send {} (the active scenario)'),
    ({"scenario": "default", "toml": "x = 1"}, 'send {} (the active scenario)'),
    ({"nope": "x"}, 'send {} (the active scenario)'),
    ({"scenario": "no-such-scenario"}, "no such scenario"),
    ({"toml": "name = 1"}, "the scenario does not load"),
])
def test_a_workspace_that_cannot_be_made_is_refused_with_the_reason(client, body, reason):
    response = client.post("/_sandbox/workspaces", json=body)

    assert response.status_code == 400
    answer = response.get_json()
    assert reason in " ".join([answer["error"], *answer.get("problems", [])])
    assert client.get("/_sandbox/workspaces").get_json()["workspaces"] == []


def test_the_number_of_workspaces_is_bounded():
    client = sandbox(workspaces=WorkspacePolicy(max_workspaces=2))
    create(client), create(client)

    refused = client.post("/_sandbox/workspaces", json={})

    assert refused.status_code == 409
    assert "most workspaces (2, set by --max-workspaces)" in refused.get_json()["error"]


class TestTokens:
    ADMIN = {"Authorization": "Bearer admin-secret"}

    @pytest.fixture
    def client(self) -> Client:
        return sandbox(admin_token="admin-secret")

    def test_creating_needs_the_admin_token_and_returns_the_workspace_s_own(self, client):
        assert client.post("/_sandbox/workspaces", json={}).status_code == 401
        made = create(client, **self.ADMIN)

        assert len(made["token"]) >= 32

    def test_a_workspace_s_token_opens_its_calls_and_no_others(self, client):
        one, two = create(client, **self.ADMIN), create(client, **self.ADMIN)
        mine = {"Authorization": f"Bearer {one['token']}"}

        assert client.get(f"{one['url']}messages", headers=mine).status_code == 200
        assert client.get(f"/_sandbox/workspaces/{one['id']}", headers=mine).status_code == 200
        assert client.get(f"{two['url']}messages", headers=mine).status_code == 401
        assert client.get("/_sandbox/messages", headers=mine).status_code == 401
        assert client.get("/_sandbox/workspaces", headers=mine).status_code == 401
        assert client.post("/_sandbox/workspaces", json={}, headers=mine).status_code == 401
        assert client.delete(f"/_sandbox/workspaces/{two['id']}", headers=mine).status_code == 401
        assert client.get(f"{one['url']}messages").status_code == 401
        assert client.get(f"{one['url']}messages", headers=self.ADMIN).status_code == 200
        assert client.delete(f"/_sandbox/workspaces/{one['id']}", headers=mine).status_code == 200

    def test_without_a_token_no_answer_says_whether_a_workspace_exists(self, client):
        made = create(client, **self.ADMIN)

        assert client.get(f"{made['url']}messages").status_code == 401
        assert client.get("/_sandbox/workspaces/000000000000/messages").status_code == 401


def test_with_an_admin_token_not_even_a_workspace_s_health_answers_without_one():
    client = sandbox(admin_token="admin-secret")
    made = create(client, Authorization="Bearer admin-secret")

    assert client.get("/_sandbox/health").status_code == 200
    assert client.get(f"{made['url']}health").status_code == 401
    assert client.get(f"{made['url']}health", headers={"Authorization": f"Bearer {made['token']}"}).status_code == 200
