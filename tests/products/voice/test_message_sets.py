"""The voice product's settings that choose bytes: the message set (live or the documents') and
the Submit's id element (voiceid or smsid)."""

from __future__ import annotations

from tests.support import DEMO, VOICE, new_client, scenario_text

from ihuyi_sandbox.service.records import Settings

OK = {**DEMO, "mobile": "13812345678", "content": "1234"}
FROZEN = {**OK, "mobile": "13900000408"}
FORCE_408 = '[[rules]]\nmobile = "13900000408"\ncode = 408\n'


def submit(client, data, fmt=""):
    return client.post(f"{VOICE}?method=Submit{fmt}", data=data).data.decode()


def frozen_client(settings: str = ""):
    return new_client(text=scenario_text(settings=settings, more=FORCE_408))


def test_408_is_full_width_by_default_and_ascii_in_the_doc_set():
    assert "<msg>您的帐户疑被恶意利用，已被自动冻结，如有疑问请与客服联系。</msg>" in submit(frozen_client(), FROZEN)
    doc = frozen_client('message_set = "doc"\n')
    assert "<msg>您的帐户疑被恶意利用,已被自动冻结,如有疑问请与客服联系。</msg>" in submit(doc, FROZEN)
    assert '"msg":"您的帐户疑被恶意利用,已被自动冻结,如有疑问请与客服联系。"' in submit(doc, FROZEN, "&format=json")


def test_the_id_element_is_voiceid_unless_set_to_smsid():
    assert "<voiceid>" in submit(new_client(), OK)
    smsid = new_client(settings=Settings(voice_id_element="smsid"))
    body = submit(smsid, OK)
    assert "<smsid>" in body and "voiceid" not in body and "<code>2</code>" in body
    assert '"smsid":"' in submit(smsid, OK, "&format=json")
    failed = submit(smsid, {**OK, "mobile": "12"})
    assert "<code>406</code>" in failed and "<smsid>0</smsid>" in failed
