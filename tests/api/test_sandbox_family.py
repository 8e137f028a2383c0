"""The sandbox API's family surfaces through HTTP: products, what was sent per product, accounts'
products, reply URL and limits, handset replies, templates and their reviews, pushes of every kind."""

from __future__ import annotations

import json

import pytest
from tests.support import DEMO, VOICE, new_client, scenario_text

from ihuyi_sandbox.service.products import product_names
from ihuyi_sandbox.service.records import DEMO_APIKEY
from ihuyi_sandbox.service.scenarios import resolve

MOBILE = "13812345678"
RECEIVER = "http://127.0.0.1:9/hook"
NOTICE = {"account": "VM00000001", "password": DEMO_APIKEY}
NOTICE_TEMPLATE = "您的订单号是：【变量】。已由【变量】发出，请注意查收。"


def submit(client, mobile=MOBILE, content="1234", **extra):
    return client.post(f"{VOICE}?method=Submit", data={**DEMO, "mobile": mobile, "content": content, **extra})


def default_client():
    return new_client(text=resolve("default").read_text(encoding="utf-8"))


def test_products_lists_each_product_with_its_paths_selector_methods_and_outcomes(client):
    listed = client.get("/_sandbox/products").json["products"]
    products = {p["name"]: p for p in listed}
    assert [p["name"] for p in listed] == list(product_names())
    assert products["voice"] == {
        "name": "voice", "title": "voice verification codes (语音验证码)", "paths": ["/webservice/voice.php"],
        "selector": "/_voice", "hosts": ["api.voice.ihuyi.com", "api.voice.ihuyi.cn"], "prefixes": ["V"],
        "methods": ["Submit", "GetNum"], "templates": [],
        "outcomes": [{"name": "answered", "code": 1, "msg": "用户已接听"},
                     {"name": "unanswered", "code": 2, "msg": "用户未接听"},
                     {"name": "busy", "code": 3, "msg": "用户忙"},
                     {"name": "powered_off", "code": 4, "msg": "用户已关机"},
                     {"name": "not_in_service", "code": 5, "msg": "空号"},
                     {"name": "rejected", "code": 6, "msg": "用户拒接"}],
        "default_outcome": "answered"}
    notice = products["voice_notice"]
    assert (notice["paths"], notice["selector"], notice["prefixes"]) == (
        ["/webservice/voice.php", "/vm/Submit.json"], "/_vm", ["VM"])
    assert notice["templates"] == [{"id": 1361, "content": NOTICE_TEMPLATE}]
    # the selector each names is a base URL that reaches it alone: the voice account is another's elsewhere
    for product in products.values():
        path = product["paths"][0]
        answer = client.post(f"{product['selector']}{path}?method=GetNum", data=DEMO).data
        assert (b"<code>2</code>" if product["name"] == "voice" else b"<code>405</code>") in answer, product


def test_messages_carry_the_product_the_text_and_the_code_and_filter_by_product(client):
    submit(client, content="1234")
    submit(client, mobile="13912345678", content="567890")
    messages = client.get("/_sandbox/messages").json["messages"]
    assert [(m["product"], m["code"], m["text"], m["units"]) for m in messages] == [
        ("voice", "567890", "567890", 1), ("voice", "1234", "1234", 1)]
    assert len(client.get("/_sandbox/messages?product=voice").json["messages"]) == 2
    refused = client.get("/_sandbox/messages?product=fax")
    assert refused.status_code == 400
    assert refused.json["error"] == f"product must be one of {', '.join(product_names())}, got 'fax'"


def test_a_filled_built_in_template_gives_its_variable_as_the_code():
    client = default_client()
    answer = client.post(f"{VOICE}?method=Submit", data={**NOTICE, "mobile": MOBILE, "content": "A9633|顺风快递",
                                                       "templateid": "1361"}).data
    assert b"<code>2</code>" in answer
    submit(client, content="2468")
    notice, code = client.get(f"/_sandbox/messages?mobile={MOBILE}&product=voice_notice").json["messages"] + \
        client.get(f"/_sandbox/messages?mobile={MOBILE}&product=voice").json["messages"]
    assert (notice["product"], notice["text"], notice["code"]) == (
        "voice_notice", "您的订单号是：A9633。已由顺风快递发出，请注意查收。", "A9633")  # letters too: the variable
    assert (code["product"], code["text"], code["code"]) == ("voice", "2468", "2468")
    latest = client.get(f"/_sandbox/messages/latest?mobile={MOBILE}&product=voice_notice").json
    assert (latest["content"], latest["code"]) == (notice["text"], "A9633")
    assert client.get(f"/_sandbox/messages/latest?mobile={MOBILE}").json["code"] == "2468"
    requests = client.get("/_sandbox/requests?product=voice_notice").json["requests"]
    assert [(r["product"], r["code"], r["message"]) for r in requests] == [("voice_notice", 2, "提交成功")]


def test_a_forced_success_shows_whatever_content_voice_read_out():
    text = scenario_text(more='[[rules]]\nmobile = "13812345678"\ncode = 2\n')
    client = new_client(text=text)
    assert b"<code>2</code>" in submit(client, content="您好 <b>12</b>").data
    (message,) = client.get("/_sandbox/messages").json["messages"]
    assert (message["code"], message["text"]) == ("您好 <b>12</b>", "您好 <b>12</b>")


def test_latest_answers_the_text_as_content_and_filters_by_product(client):
    submit(client, content="4321")
    latest = client.get(f"/_sandbox/messages/latest?mobile={MOBILE}&product=voice").json
    assert (latest["content"], latest["code"], latest["text"], latest["product"]) == ("4321", "4321", "4321", "voice")
    assert client.get(f"/_sandbox/messages/latest?mobile={MOBILE}&product=nope").status_code == 400


def test_requests_carry_the_product_and_its_message_in_the_active_message_set():
    client = new_client(text=scenario_text(settings='message_set = "doc"\n',
                                           more='[[rules]]\nmobile_prefix = "1390000"\ncode_from_mobile = true\n'))
    submit(client, mobile="13900000408")
    submit(client)
    entries = client.get("/_sandbox/requests?product=voice").json["requests"]
    assert [(e["product"], e["code"]) for e in entries] == [("voice", 2), ("voice", 408)]
    # the doc set's 408 keeps the stored page's ASCII commas; the live set has full-width ones
    assert entries[1]["message"] == "您的帐户疑被恶意利用,已被自动冻结,如有疑问请与客服联系。"
    live = new_client(text=scenario_text(more='[[rules]]\nmobile_prefix = "1390000"\ncode_from_mobile = true\n'))
    submit(live, mobile="13900000408")
    assert live.get("/_sandbox/requests").json["requests"][0]["message"] == \
        "您的帐户疑被恶意利用，已被自动冻结，如有疑问请与客服联系。"
    assert new_client().get("/_sandbox/requests?product=sms2").status_code == 400


# -- magic numbers ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("mobile", "code"), [
    ("13900004051", 4051), ("13900000406", 406), ("13900000000", 0), ("13900040501", 40501),
    ("13900040502", 40502), ("86 13900004051", 4051), ("86 13900040502", 40502),
    ("13900040722", 2),   # a five-digit code voice does not answer: an ordinary number
    ("13900000002", 2), ("13900001234", 2)])
def test_the_default_scenarios_magic_codes_of_four_and_five_digits(mobile, code):
    client = default_client()
    body = submit(client, mobile=mobile).data
    assert f"<code>{code}</code>".encode() in body, body.decode()


@pytest.mark.parametrize(("mobile", "code"), [
    ("13900004072", 4072), ("13900040722", 40722), ("13900004073", 4073), ("13900004071", 4071),
    ("13900004051", 4051), ("13900004070", 2)])  # 4070 is voice codes' alone
def test_the_magic_codes_force_what_voice_notice_has_too(mobile, code):
    client = default_client()
    body = client.post(f"{VOICE}?method=Submit", data={**NOTICE, "mobile": mobile, "templateid": "1361",
                                                     "content": "9633|顺风快递"}).data
    assert f"<code>{code}</code>".encode() in body, body.decode()
    # the same numbers on voice codes: 4072 and 40722 are not voice's, so those pass to its checks
    assert b"<code>2</code>" in submit(client, mobile="13900040722").data


@pytest.mark.parametrize(("mobile", "outcome"), [
    ("13900020001", "answered"), ("13900020002", "unanswered"), ("13900020006", "rejected"),
    ("13900020007", "answered")])  # past the end of voice's outcomes: the default
def test_the_default_scenarios_outcome_numbers_count_in_the_products_table(mobile, outcome):
    client = default_client()
    assert b"<code>2</code>" in submit(client, mobile=mobile).data
    assert client.get("/_sandbox/messages").json["messages"][0]["outcome"] == outcome
    assert b"<code>2</code>" in client.post(f"{VOICE}?method=Submit", data={
        **NOTICE, "mobile": mobile, "content": "9633|顺风快递", "templateid": "1361"}).data
    assert client.get("/_sandbox/messages?product=voice_notice").json["messages"][0]["outcome"] == outcome


def test_a_rule_cannot_have_both_an_outcome_and_outcome_from_mobile(client):
    toml = scenario_text(more='[[rules]]\nmobile_prefix = "1390002"\noutcome = "busy"\noutcome_from_mobile = true\n')
    refused = client.put("/_sandbox/scenario", json={"toml": toml})
    assert refused.status_code == 400
    assert any("outcome and outcome_from_mobile cannot both be set" in p for p in refused.json["problems"])
    typed = client.put("/_sandbox/scenario", json={"toml": scenario_text(
        more='[[rules]]\nmobile_prefix = "1390002"\noutcome_from_mobile = "yes"\n')})
    assert any("outcome_from_mobile must be true or false" in p for p in typed.json["problems"])


# -- demo accounts --------------------------------------------------------------------------------------
def test_the_default_scenario_has_a_demo_account_per_product_with_the_demo_key():
    accounts = default_client().get("/_sandbox/accounts").json["accounts"]
    assert [(a["apiid"], a["apikey"], a["balance"], a["products"], a["limits"]) for a in accounts] == [
        (apiid, DEMO_APIKEY, 1000, [], {}) for apiid in ("C00000001", "I00000001", "M00000001", "V00000001",
                                                         "VM00000001")]


def test_the_frequency_limits_scenario_sets_the_documented_thresholds_on_the_sms_demo_account():
    client = new_client(text=resolve("frequency-limits").read_text(encoding="utf-8"))
    accounts = {a["apiid"]: a for a in client.get("/_sandbox/accounts").json["accounts"]}
    assert accounts["C00000001"]["limits"] == {"per_second": 1, "per_day": 5, "codes_per_day": 5,
                                               "identical_per_minute": 2, "blacklist_after": 20}
    assert accounts["C00000002"]["limits"] == {"blacklist_after": 20}
    assert {apiid: a["limits"] for apiid, a in accounts.items() if apiid[0] != "C"} == {
        "I00000001": {}, "M00000001": {}, "V00000001": {}, "VM00000001": {}}
    assert all(a["balance"] == 1000 and a["apikey"] == DEMO_APIKEY for a in accounts.values())


# -- accounts ---------------------------------------------------------------------------------------------
def test_accounts_take_products_a_reply_url_and_limits(client):
    created = client.post("/_sandbox/accounts", json={
        "apiid": "X1", "apikey": "k", "balance": 3, "products": ["voice"], "reply_url": RECEIVER,
        "limits": {"per_day": 5, "blacklist_after": 20}})
    assert created.status_code == 201
    assert (created.json["products"], created.json["reply_url"], created.json["limits"]) == (
        ["voice"], RECEIVER, {"per_day": 5, "blacklist_after": 20})
    changed = client.patch("/_sandbox/accounts/X1", json={"limits": {"per_second": 1}, "products": [], "reply_url": ""})
    assert (changed.json["products"], changed.json["reply_url"], changed.json["limits"]) == ([], "", {"per_second": 1})
    assert client.get("/_sandbox/accounts/X1").json["limits"] == {"per_second": 1}
    # an account configured for voice answers on voice.php whatever its prefix says
    client.patch("/_sandbox/accounts/X1", json={"products": ["voice"]})
    assert b"<code>2</code>" in client.post(f"{VOICE}?method=Submit", data={
        "account": "X1", "password": "k", "mobile": MOBILE, "content": "1234"}).data


@pytest.mark.parametrize(("body", "reason"), [
    ({"products": ["fax"]}, "unknown product 'fax' in products; the products are "),
    ({"products": ["voice", "voice"]}, "products names a product twice"),
    ({"products": "voice"}, "products must be a list of strings"),
    ({"reply_url": "ftp://x/y"}, "reply_url must be an absolute http:// or https:// URL"),
    ({"reply_url": "http://replies.example.com/hook"}, "reply URL 'http://replies.example.com/hook': host "
                                                       "'replies.example.com' is neither loopback nor allowed"),
    ({"reply_url": 5}, "reply_url must be a string"),
    ({"limits": {"per_week": 3}}, "unknown limit(s) per_week; accepted: per_second, per_day, codes_per_day, "
                                  "identical_per_minute, blacklist_after"),
    ({"limits": {"per_day": 0}}, "limits.per_day must be an integer from 1 to"),
    ({"limits": {"per_day": True}}, "limits.per_day must be an integer"),
    ({"limits": {"per_day": "5"}}, "limits.per_day must be an integer"),
    ({"limits": {"per_day": None}}, "leave a limit out for none"),
    ({"limits": [5]}, "limits must be an object"),
])
def test_bad_products_reply_urls_and_limits_get_400_with_the_reason(client, body, reason):
    for response in (client.post("/_sandbox/accounts", json={"apiid": "X2", "apikey": "k", **body}),
                     client.patch("/_sandbox/accounts/V00000001", json=body)):
        assert response.status_code == 400 and reason in response.json["error"], response.json
    assert client.get("/_sandbox/accounts/X2").status_code == 404


def test_a_scenario_reply_url_outside_the_policy_is_refused(client):
    toml = scenario_text(account='reply_url = "http://replies.example.com/hook"\n')
    refused = client.put("/_sandbox/scenario", json={"toml": toml})
    assert refused.status_code == 400
    assert any("reply URL 'http://replies.example.com/hook'" in p and "--receipt-host replies.example.com" in p
               for p in refused.json["problems"])


# -- handset replies --------------------------------------------------------------------------------------
def test_a_reply_is_recorded_with_the_newest_delivery_to_that_mobile(client):
    submit(client, content="1111")
    newest = json.loads(submit(client, content="2222", format="json").data)["voiceid"]
    submit(client, mobile="13912345678", content="3333")
    reply = client.post("/_sandbox/replies", json={"account": "V00000001", "mobile": MOBILE, "content": "收到 TD"})
    assert reply.status_code == 201
    assert {k: reply.json[k] for k in ("id", "account", "mobile", "content", "smsid", "push")} == {
        "id": 1, "account": "V00000001", "mobile": MOBILE, "content": "收到 TD", "smsid": newest, "push": None}
    assert reply.json["time"].endswith("Z")
    unknown = client.post("/_sandbox/replies", json={"account": "V00000001", "mobile": "13700000000", "content": "?"})
    assert unknown.json["smsid"] == ""
    assert client.get("/_sandbox/receipts").json["receipts"] == []  # no reply_url: nothing pushed
    listed = client.get("/_sandbox/replies").json["replies"]
    assert [(r["mobile"], r["smsid"]) for r in listed] == [("13700000000", ""), (MOBILE, newest)]
    assert [r["mobile"] for r in client.get(f"/_sandbox/replies?mobile={MOBILE}").json["replies"]] == [MOBILE]
    assert len(client.get("/_sandbox/replies?limit=1").json["replies"]) == 1
    assert client.get("/_sandbox/replies?account=V9").json["replies"] == []


def test_a_reply_to_an_account_with_a_reply_url_queues_its_push(client):
    client.patch("/_sandbox/accounts/V00000001", json={"reply_url": RECEIVER})
    voiceid = json.loads(submit(client, format="json").data)["voiceid"]
    reply = client.post("/_sandbox/replies", json={"account": "V00000001", "mobile": MOBILE, "content": "好的"}).json
    (push,) = client.get("/_sandbox/receipts?kind=reply").json["receipts"]
    assert push["id"] == reply["push"]
    assert (push["kind"], push["product"], push["account"], push["mobile"], push["url"], push["status"],
            push["outcome"], push["voiceid"]) == ("reply", "voice", "V00000001", MOBILE, RECEIVER, "pending", None,
                                                  voiceid)
    assert list(push["form"]) == ["mobilephone", "content", "smsid", "reply_time"]
    assert (push["form"]["mobilephone"], push["form"]["content"], push["form"]["smsid"]) == (MOBILE, "好的", voiceid)
    assert len(push["form"]["reply_time"]) == 19 and push["form"]["reply_time"][10] == " "
    assert client.get("/_sandbox/receipts?kind=receipt").json["receipts"] == []
    assert client.get("/_sandbox/receipts?kind=bounce").status_code == 400


@pytest.mark.parametrize(("body", "status", "reason"), [
    ({"account": "V00000001", "mobile": MOBILE}, 400, "missing field(s) content"),
    ({"account": "V00000001", "mobile": MOBILE, "content": "x", "smsid": "1"}, 400, "unknown field(s) smsid"),
    ({"account": "V00000001", "mobile": MOBILE, "content": ""}, 400, "content must not be empty"),
    ({"account": "V00000001", "mobile": "", "content": "x"}, 400, "mobile must not be empty"),
    ({"account": "V00000001", "mobile": MOBILE, "content": 5}, 400, "content must be a string"),
    ({"account": "V00000001", "mobile": "1" * 33, "content": "x"}, 400, "mobile is longer than 32 characters"),
    ({"account": "V00000001", "mobile": MOBILE, "content": "x" * 1001}, 400, "content is longer than 1000"),
    ({"account": "V99", "mobile": MOBILE, "content": "x"}, 404, "no account V99"),
])
def test_bad_replies_are_refused_with_the_reason(client, body, status, reason):
    response = client.post("/_sandbox/replies", json=body)
    assert response.status_code == status and reason in response.json["error"], response.json
    assert client.get("/_sandbox/replies").json["replies"] == []


# -- templates ----------------------------------------------------------------------------------------------
def test_templates_added_listed_and_filtered(client):
    added = client.post("/_sandbox/templates", json={"account": "V00000001", "product": "voice",
                                                     "content": "您的验证码是【变量】"})
    assert added.status_code == 201
    assert {k: added.json[k] for k in ("id", "account", "product", "content", "status", "reason", "review_at")} == {
        "id": 10000, "account": "V00000001", "product": "voice", "content": "您的验证码是【变量】", "status": "approved",
        "reason": "", "review_at": None}
    pending = client.post("/_sandbox/templates", json={"account": "V00000001", "product": "voice",
                                                       "content": "订单【变量1】", "status": "pending"}).json
    assert pending["id"] == 10001 and pending["status"] == "pending" and pending["review_at"].endswith("Z")
    listed = client.get("/_sandbox/templates").json["templates"]
    assert [t["id"] for t in listed] == [10000, 10001]
    assert [t["id"] for t in client.get("/_sandbox/templates?status=pending").json["templates"]] == [10001]
    assert [t["id"] for t in client.get("/_sandbox/templates?account=V00000001&product=voice").json["templates"]] == [
        10000, 10001]
    assert client.get("/_sandbox/templates?account=V2").json["templates"] == []
    assert client.get("/_sandbox/templates?status=lost").status_code == 400


def test_a_scenarios_templates_are_listed():
    client = new_client(text=scenario_text(more='[[templates]]\naccount = "V00000001"\nproduct = "voice"\n'
                                                'content = "您好【变量】"\nstatus = "pending"\n'))
    (template,) = client.get("/_sandbox/templates").json["templates"]
    assert (template["id"], template["status"], template["created"], template["review_at"]) == (
        10000, "pending", None, None)


@pytest.mark.parametrize(("body", "status", "reason"), [
    ({"account": "V00000001", "product": "voice"}, 400, "missing field(s) content"),
    ({"account": "V00000001", "product": "fax", "content": "x"}, 400, "unknown product 'fax'"),
    ({"account": "V00000001", "product": "voice", "content": "x", "status": "live"}, 400,
     "status must be approved or pending or rejected"),
    ({"account": "V00000001", "product": "voice", "content": ""}, 400, "content must not be empty"),
    ({"account": "V00000001", "product": "voice", "content": "x" * 1001}, 400, "content is longer than 1000"),
    ({"account": "V00000001", "product": "voice", "content": "x", "id": 5}, 400, "unknown field(s) id"),
    ({"account": "V99", "product": "voice", "content": "x"}, 404, "no account V99"),
])
def test_bad_templates_are_refused_with_the_reason(client, body, status, reason):
    response = client.post("/_sandbox/templates", json=body)
    assert response.status_code == status and reason in response.json["error"], response.json
    assert client.get("/_sandbox/templates").json["templates"] == []


def test_reviewing_a_template_approves_or_rejects_it_once_and_queues_its_push(client):
    # a long review delay holds both pending, for the sandbox API to review
    client.put("/_sandbox/scenario", json={"toml": scenario_text(settings="template_review_seconds = 3600\n",
                                                                 account=f'reply_url = "{RECEIVER}"\n')})
    first, second = (client.post("/_sandbox/templates", json={"account": "V00000001", "product": "voice",
                                                              "content": c, "status": "pending"}).json
                     for c in ("甲【变量】", "乙【变量】"))
    approved = client.patch(f"/_sandbox/templates/{first['id']}", json={"status": "approved"})
    assert approved.status_code == 200
    assert (approved.json["status"], approved.json["reason"], approved.json["review_at"]) == ("approved", "", None)
    rejected = client.patch(f"/_sandbox/templates/{second['id']}", json={"status": "rejected", "reason": "含有敏感词"})
    assert (rejected.json["status"], rejected.json["reason"]) == ("rejected", "含有敏感词")
    pushes = client.get("/_sandbox/receipts?kind=template").json["receipts"]
    assert [(p["id"], p["form"]) for p in pushes] == [
        (rejected.json["push"], {"code": "0", "msg": "含有敏感词", "templateid": str(second["id"])}),
        (approved.json["push"], {"code": "2", "msg": "审核通过", "templateid": str(first["id"])})]
    assert {(p["kind"], p["product"], p["account"], p["url"], p["mobile"]) for p in pushes} == {
        ("template", "voice", "V00000001", RECEIVER, "")}
    again = client.patch(f"/_sandbox/templates/{first['id']}", json={"status": "rejected"})
    assert again.status_code == 409 and again.json["error"] == (
        f"template {first['id']} is approved: only a pending template is reviewed")
    assert len(client.get("/_sandbox/receipts").json["receipts"]) == 2


def test_a_rejection_without_a_reason_says_so_and_without_a_reply_url_pushes_nothing(client):
    client.put("/_sandbox/scenario", json={"toml": scenario_text(settings="template_review_seconds = 3600\n")})
    template = client.post("/_sandbox/templates", json={"account": "V00000001", "product": "voice",
                                                        "content": "丙", "status": "pending"}).json
    rejected = client.patch(f"/_sandbox/templates/{template['id']}", json={"status": "rejected"}).json
    assert (rejected["status"], rejected["reason"], rejected["push"]) == ("rejected", "", None)
    assert client.get("/_sandbox/receipts").json["receipts"] == []


@pytest.mark.parametrize(("path", "body", "status", "reason"), [
    ("/_sandbox/templates/10000", {"status": "pending"}, 400, "status must be approved or rejected"),
    ("/_sandbox/templates/10000", {"status": "approved", "reason": "ok"}, 400, "reason is a rejection's"),
    ("/_sandbox/templates/10000", {"reason": "x"}, 400, "missing field(s) status"),
    ("/_sandbox/templates/10000", {"status": "rejected", "note": "x"}, 400, "unknown field(s) note"),
    ("/_sandbox/templates/10099", {"status": "approved"}, 404, "no template 10099"),
    ("/_sandbox/templates/1", {"status": "approved"}, 404, "no template 1"),
    ("/_sandbox/templates/x", {"status": "approved"}, 404, "no such path"),
])
def test_bad_reviews_are_refused_with_the_reason(client, path, body, status, reason):
    client.put("/_sandbox/scenario", json={"toml": scenario_text(settings="template_review_seconds = 3600\n")})
    client.post("/_sandbox/templates", json={"account": "V00000001", "product": "voice", "content": "丁",
                                             "status": "pending"})
    response = client.patch(path, json=body)
    assert response.status_code == status and reason in response.json["error"], response.json
    assert client.get("/_sandbox/templates").json["templates"][0]["status"] == "pending"
