"""``serve``'s banner names every provider path with its products, and every account of the
scenario with the product it is for."""

from __future__ import annotations

import re

from ihuyi_sandbox.service.records import DEMO_APIKEY
from ihuyi_sandbox.testing import SandboxAPI, running_sandbox

DEMO_ACCOUNTS = ("V00000001", "C00000001", "I00000001", "VM00000001", "M00000001")


def owner(apiid: str, products: list[dict]) -> str:
    """What the banner should call an account: the product of its longest prefix, as the registry
    classifies APIIDs (a prefix, then a digit), else any product."""
    owned = [(len(prefix), p["name"]) for p in products for prefix in p["prefixes"]
             if apiid.startswith(prefix) and apiid[len(prefix):len(prefix) + 1].isdigit()]
    return max(owned)[1] if owned else "any product"


def test_the_banner_lists_every_provider_path_and_every_demo_account_with_its_product(tmp_path):
    with running_sandbox("--db", str(tmp_path / "s.db")) as sandbox:
        products = SandboxAPI(sandbox.url).products()
        banner = sandbox.banner
    for p in products:
        for path in p["paths"]:
            line = next(line for line in banner.splitlines() if line.startswith(f"  provider API  {sandbox.url}{path} "))
            assert p["name"] in line
    accounts = re.findall(r"^  account +APIID (\S+) +APIKEY (\S+) +\((.+), seed balance (\d+)\)$", banner, re.M)
    assert [a[0] for a in accounts] == list(DEMO_ACCOUNTS)
    for apiid, apikey, product, balance in accounts:
        assert (apikey, balance, product) == (DEMO_APIKEY, "1000", owner(apiid, products))
    assert ("V00000001", DEMO_APIKEY, "voice", "1000") in accounts
