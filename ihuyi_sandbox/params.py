"""Turn the raw bytes of a provider request into its parameters, as PHP's ``$_REQUEST`` would.

Real clients send sloppy requests (CONTRACT.md §1): raw un-encoded UTF-8, GBK text, invalid
percent-escapes, repeated names. Werkzeug's form parser is strict about none of these in the way
PHP is lenient, so the urlencoded case is decoded here, byte by byte, and never raises.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

FORM_URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


def parse_urlencoded(raw: bytes, charset: str | None = None) -> dict[str, str]:
    """Decode ``a=1&b=2`` bytes; the last of repeated names wins, as in PHP.

    Invalid percent-escapes are kept literally; text that is not UTF-8 is read as GBK
    (GB 18030), then as Latin-1, so every byte string gives some answer.
    """
    params: dict[str, str] = {}
    if raw.isascii() and b"%" not in raw and b"+" not in raw and _reads_ascii_as_ascii(charset):
        # what nearly every client sends: nothing to unquote or decode, and the same answer
        for text in raw.decode("ascii").split("&"):
            name, _, value = text.partition("=")
            if name := name.strip():
                params[name] = value
        return params
    for pair in raw.split(b"&"):
        if not pair:
            continue
        name, _, value = pair.partition(b"=")
        key = decode_text(unquote_to_bytes(name.replace(b"+", b" ")), charset).strip()
        if not key:
            continue
        params[key] = decode_text(unquote_to_bytes(value.replace(b"+", b" ")), charset)
    return params


def _reads_ascii_as_ascii(charset: str | None) -> bool:
    return charset is None or charset.lower().replace("-", "").replace("_", "") in _ASCII_SUPERSETS


_ASCII_SUPERSETS = frozenset({"utf8", "gbk", "gb2312", "gb18030", "latin1", "iso88591", "usascii", "ascii"})


def decode_text(data: bytes, charset: str | None = None) -> str:
    """Decode text of unknown encoding: the declared charset, else UTF-8, else GB 18030.

    A declared charset whose text holds half a character (a lone surrogate, which UTF-7 or
    ``unicode_escape`` can write) is not believed: such text cannot be stored or sent back."""
    if charset:
        try:
            text = data.decode(charset)
            if not _HALF_CHARACTER.search(text):
                return text
        except (UnicodeDecodeError, LookupError):
            pass
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


_HALF_CHARACTER = re.compile("[\ud800-\udfff]")


def media_type(content_type: str | None) -> tuple[str, str | None]:
    """Split a Content-Type header into its lower-cased media type and its charset, if any."""
    if not content_type:
        return "", None
    kind, *options = content_type.split(";")
    charset = None
    for option in options:
        name, _, value = option.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'")
    return kind.strip().lower(), charset


def merge(query: dict[str, str], body: dict[str, str]) -> dict[str, str]:
    """Query string and body merged, the body winning on a clash (CONTRACT.md §1)."""
    return {**query, **body}
