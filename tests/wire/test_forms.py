"""The form decoder against the standard library's: the same bytes for every input."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from hypothesis import given
from hypothesis import strategies as st

from ihuyi_sandbox.wire.forms import decode_text, parse_urlencoded, unquote_bytes

#: the bytes that make escapes valid, invalid and cut short, some that are not ASCII, and the
#: backslashes and ``x`` that the codec decoding valid escapes reads
ESCAPY = st.binary().map(bytes) | st.lists(st.sampled_from([b"%", b"%2", b"%e6", b"%E6%82%A8", b"%zz", b"a", b"+",
                                                            b"\xe6\x82", b"0", b"F", b"\\", b"\\x41", b"x",
                                                            b"%5C", b"\\n"])).map(b"".join)


@given(ESCAPY)
def test_unquoting_gives_what_the_standard_library_gives(data):
    assert unquote_bytes(data) == unquote_to_bytes(data)


def _pairwise(raw: bytes) -> dict[str, str]:
    """What PHP makes of a body: each name and value unquoted (``+`` a space) and decoded, the last
    of repeated names winning; the standard library unquotes."""
    params = {}
    for pair in raw.split(b"&"):
        name, _, value = pair.partition(b"=")
        if key := decode_text(unquote_to_bytes(name.replace(b"+", b" "))).strip():
            params[key] = decode_text(unquote_to_bytes(value.replace(b"+", b" ")))
    return params


FORMS = st.lists(st.tuples(ESCAPY, ESCAPY) | st.tuples(st.sampled_from([b"account", b" mobile ", b"%61ccount", b""]),
                                                        ESCAPY)).map(lambda pairs: b"&".join(n + b"=" + v for n, v in pairs))


@given(FORMS | ESCAPY)
def test_a_form_reads_as_its_pairs_each_decoded(raw):
    assert parse_urlencoded(raw) == _pairwise(raw)
