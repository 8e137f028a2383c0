"""docs/contract.md §11.8: the delivery receipt each product pushes, its fields in order, and the
integrator's parser."""

from __future__ import annotations

from datetime import datetime

import pytest

from ihuyi_sandbox._exceptions import ReceiptError
from ihuyi_sandbox.products.sms.receipts import CHINA, parse_receipt, render

from .common import CODE_TEXT, KEY, PRODUCTS, SUBMITS, client

URL = "http://127.0.0.1:9/receipts"


def receipt_url(prefix: str) -> str:
    return f'[[accounts]]\napiid = "{prefix}00000070"\napikey = "{KEY}"\nbalance = 100\nreceipt_url = "{URL}"\n'


@pytest.mark.parametrize("product", PRODUCTS)
@pytest.mark.parametrize(("outcome", "code", "msg"), [(None, "2", "DELIVRD"), ("undelivered", "0", "UNDELIV"),
                                                      ("expired", "0", "EXPIRED"), ("rejected", "0", "REJECTD")])
def test_a_receipt_is_queued_with_the_products_fields(product, outcome, code, msg):
    path, prefix, id_name = PRODUCTS[product]
    rules = f'[[rules]]\nproduct = "{product}"\noutcome = "{outcome}"\n' if outcome else ""
    test_client = client(more=receipt_url(prefix), rules=rules)
    params = {**SUBMITS[product], "account": f"{prefix}00000070"}
    response = test_client.post(f"{path}?method=Submit&format=json", data=params)
    delivery_id = response.json[id_name]
    (receipt,) = test_client.get(f"/_sandbox/receipts?account={prefix}00000070").json["receipts"]
    form = receipt["form"]
    assert list(form) == ["code", "msg", "mobilephone", id_name, "report_time"]
    assert (form["code"], form["msg"], form["mobilephone"], form[id_name]) == (code, msg, params["mobile"], delivery_id)
    parsed = parse_receipt(form, id_name)
    assert (parsed.outcome, parsed.delivery_id, parsed.delivered) == (outcome or "delivered", delivery_id,
                                                                      outcome is None)


def test_the_report_time_is_china_time():
    form = render("delivered", "13812345678", "1" * 20, 1501655511.0)
    assert form["report_time"] == "2017-08-02 14:31:51"
    assert parse_receipt(form).report_time == datetime(2017, 8, 2, 14, 31, 51, tzinfo=CHINA)


def test_an_outcome_of_no_sms_kind_is_refused_plainly():
    with pytest.raises(ValueError, match="not an SMS outcome"):
        render("busy", "13812345678", "1" * 20, 0.0)


def test_a_receipt_parses_from_the_raw_body():
    body = "code=2&msg=DELIVRD&mobilephone=1+6305551234&ismsid=12345678901234567890&report_time=2017-08-02+14%3A31%3A51"
    parsed = parse_receipt(body.encode(), "ismsid")
    assert (parsed.mobile, parsed.code, parsed.message) == ("1 6305551234", 2, "DELIVRD")


@pytest.mark.parametrize("change", [
    {"msg": "UNDELIV"}, {"code": "1"}, {"code": "x"}, {"smsid": "0"}, {"smsid": "abc"}, {"mobilephone": ""},
    {"mobilephone": "138,"}, {"report_time": "2017-08-02T14:31:51"}, {"extra": "1"},
])
def test_a_form_the_service_never_sends_is_refused(change):
    form = {**render("delivered", "13812345678", "1" * 20, 0.0), **change}
    with pytest.raises(ReceiptError):
        parse_receipt(form)


def test_a_form_with_the_other_id_name_is_refused():
    with pytest.raises(ReceiptError, match="ismsid"):
        parse_receipt(render("delivered", "13812345678", "1" * 20, 0.0), "ismsid")


def test_no_receipt_without_a_receipt_url():
    test_client = client()
    test_client.post("/webservice/sms.php?method=Submit", data={**SUBMITS["sms"], "content": CODE_TEXT})
    assert test_client.get("/_sandbox/receipts").json["receipts"] == []
