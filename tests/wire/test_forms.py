"""The form decoder against the standard library's: the same bytes for every input."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from hypothesis import given
from hypothesis import strategies as st

from ihuyi_sandbox.wire.forms import unquote_bytes

#: the bytes that make escapes valid, invalid and cut short, with some that are not ASCII
ESCAPY = st.binary().map(bytes) | st.lists(st.sampled_from([b"%", b"%2", b"%e6", b"%E6%82%A8", b"%zz", b"a", b"+",
                                                            b"\xe6\x82", b"0", b"F"])).map(b"".join)


@given(ESCAPY)
def test_unquoting_gives_what_the_standard_library_gives(data):
    assert unquote_bytes(data) == unquote_to_bytes(data)
