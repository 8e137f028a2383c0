"""CONTRACT.md §1: how requests arrive, sloppy ones included; bad input never gets a traceback."""

from __future__ import annotations

import pytest
from tests.support import DEMO, VOICE

from ihuyi_sandbox.service.records import DEMO_APIID, DEMO_APIKEY, Account, Seed
from ihuyi_sandbox.products.voice.answers import parse_json, parse_xml

OK = {**DEMO, "mobile": "13812345678", "content": "1234"}
CHINESE = Seed(accounts=(Account(DEMO_APIID, DEMO_APIKEY, 10), Account("用户名", "密码", 10)))
FORM = "application/x-www-form-urlencoded"


def code_of(response) -> int:
    assert response.status_code == 200, response.data
    return parse_xml(response.data).code


def test_get_with_everything_in_the_query(client):
    assert code_of(client.get(VOICE, query_string={"method": "Submit", **OK})) == 2


def test_query_and_body_merge_and_the_body_wins(client):
    response = client.post(f"{VOICE}?method=Submit&format=json&content=12&mobile=13812345678",
                           data={"account": DEMO_APIID, "password": DEMO_APIKEY, "content": "5678"})
    assert parse_json(response.data, "Submit").code == 2


def test_raw_unencoded_utf8_body_as_the_providers_samples_send(make_client):
    client = make_client(seed=CHINESE)
    body = "account=用户名&password=密码&mobile=13612345678&content=1125".encode()
    assert code_of(client.post(f"{VOICE}?method=Submit", data=body, content_type=FORM)) == 2


@pytest.mark.parametrize("content_type", [FORM, f"{FORM}; charset=GBK", f"{FORM};charset=gbk", ""])
def test_gbk_body(make_client, content_type):
    client = make_client(seed=CHINESE)
    body = "account=用户名&password=密码&mobile=13612345678&content=1125".encode("gbk")
    assert code_of(client.post(f"{VOICE}?method=Submit", data=body, content_type=content_type or None)) == 2


def test_percent_encoded_gbk(make_client):
    client = make_client(seed=CHINESE)
    body = b"account=%D3%C3%BB%A7%C3%FB&password=%C3%DC%C2%EB&mobile=13612345678&content=1125"
    assert code_of(client.post(f"{VOICE}?method=Submit", data=body, content_type=FORM)) == 2


@pytest.mark.parametrize(("body", "code"), [
    (b"account=V00000001&password=%zz", 405),
    (b"account=V00000001&password=0123456789abcdef0123456789abcdef&mobile=%E4%B8&content=1234", 406),
    (b"account=%&password=%%", 405),
    (b"account=V00000001&password=0123456789abcdef0123456789abcdef&mobile=13812345678&content=\xff\xfe", 4070),
    (b"\x00\x01\x02", 401),
])
def test_invalid_percent_encoding_and_undecodable_bytes(client, body, code):
    assert code_of(client.post(f"{VOICE}?method=Submit", data=body, content_type=FORM)) == code


def test_repeated_parameters_last_one_wins_as_in_php(client):
    body = b"account=V00000001&password=0123456789abcdef0123456789abcdef&mobile=13812345678&content=12&content=1234"
    assert code_of(client.post(f"{VOICE}?method=Submit", data=body, content_type=FORM)) == 2
    assert code_of(client.post(f"{VOICE}?method=Submit", data=body + b"&content=x", content_type=FORM)) == 4070


def test_other_content_types_leave_the_body_unread_as_php_does(client):
    body = b'{"account": "V00000001"}'
    assert code_of(client.post(f"{VOICE}?method=Submit", data=body, content_type="application/json")) == 401


def test_multipart_form(client):
    assert code_of(client.post(f"{VOICE}?method=Submit", data=OK, content_type="multipart/form-data")) == 2


def test_format_json_is_case_insensitive_and_unknown_formats_get_xml(client):
    assert client.get(f"{VOICE}?method=GetNum&format=JSON").data.startswith(b'{"code":401')
    assert client.get(f"{VOICE}?method=GetNum&format=yaml").data.startswith(b"<?xml")


@pytest.mark.parametrize("query", ["", "?method=", "?method=submit", "?method=Send", "?method=getnum"])
def test_missing_or_unknown_method_names_the_accepted_ones(client, query):
    response = client.get(f"{VOICE}{query}")
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    text = response.data.decode()
    assert "method=Submit" in text and "method=GetNum" in text
    assert ("missing method" in text) == (query in ("", "?method="))


def test_oversized_body_gets_413(client):
    response = client.post(f"{VOICE}?method=Submit", data=b"a=" + b"1" * 70_000, content_type=FORM)
    assert response.status_code == 413
    assert b"65536 bytes" in response.data


def test_oversized_multipart_body_gets_413(client):
    response = client.post(f"{VOICE}?method=Submit", data={**OK, "content": "1" * 70_000})
    assert response.status_code == 413 and b"65536 bytes" in response.data


@pytest.mark.parametrize("verb", ["PUT", "DELETE", "PATCH", "TRACE"])
def test_other_http_methods_get_a_clear_405_with_allow(client, verb):
    response = client.open(f"{VOICE}?method=Submit", method=verb, data=OK)
    assert response.status_code == 405 and f"{verb} is not accepted here: use GET or POST".encode() in response.data
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert response.content_type == "text/plain; charset=utf-8"


def test_head_answers_like_get_without_a_body_and_options_lists_the_methods(client):
    query = "&".join(f"{k}={v}" for k, v in OK.items())
    got = client.get(f"{VOICE}?method=Submit&{query}")
    head = client.head(f"{VOICE}?method=Submit&{query}")
    assert head.status_code == 200 and head.data == b""
    assert head.content_type == got.content_type == "text/xml; charset=utf-8"
    options = client.options(VOICE)
    assert options.status_code == 200 and options.headers["Allow"] == "GET, HEAD, OPTIONS, POST"


def test_an_internal_error_is_a_plain_500_and_the_next_request_is_answered(client, monkeypatch, caplog):
    monkeypatch.setattr(client.application.backend, "handle_many", lambda *args: 1 / 0)
    response = client.post(f"{VOICE}?method=Submit", data=OK)
    assert response.status_code == 500 and response.content_type == "text/plain; charset=utf-8"
    assert b"Traceback" not in response.data and b"server's log" in response.data
    assert "ZeroDivisionError" in caplog.text
    monkeypatch.undo()
    assert code_of(client.post(f"{VOICE}?method=Submit", data=OK)) == 2


def test_unknown_paths_get_a_clear_404(client):
    response = client.get("/webservice/mms.php")
    assert response.status_code == 404 and b"/webservice/voice.php" in response.data


def test_journal_masks_the_password(client):
    client.post(f"{VOICE}?method=Submit", data=OK)
    storage = client.application.backend.storage
    (entry,) = storage.journal()
    assert entry.params["password"] == "***" and DEMO_APIKEY not in repr(entry)
    assert (entry.method, entry.code, entry.client_ip) == ("Submit", 2, "127.0.0.1")
    assert entry.voiceid == storage.deliveries()[0].voiceid
