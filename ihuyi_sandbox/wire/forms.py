"""Turn the raw bytes of a provider request into its parameters, as PHP's ``$_REQUEST`` would.

Real clients send sloppy requests (docs/contract.md §1): raw un-encoded UTF-8, GBK text, invalid
percent-escapes, repeated names. Werkzeug's form parser is strict about none of these in the way
PHP is lenient, so the urlencoded case is decoded here, byte by byte, and never raises.
"""

from __future__ import annotations

import codecs
import io
import re

from werkzeug.formparser import parse_form_data

FORM_URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


def parse_urlencoded(raw: bytes, charset: str | None = None) -> dict[str, str]:
    """Decode ``a=1&b=2`` bytes; the last of repeated names wins, as in PHP.

    Invalid percent-escapes are kept literally; text that is not UTF-8 is read as GBK
    (GB 18030), then as Latin-1, so every byte string gives some answer.
    """
    params: dict[str, str] = {}
    if raw.isascii() and b"+" not in raw and _reads_ascii_as_ascii(charset):
        # what nearly every client sends: the same answer, and only what holds escapes unquoted
        for text in raw.decode("ascii").split("&"):
            name, _, value = text.partition("=")
            if "%" in name:
                name = _decoded(name.encode("ascii"), charset)
            if name := name.strip():
                params[name] = _decoded(value.encode("ascii"), charset) if "%" in value else value
        return params
    for pair in raw.split(b"&"):
        name, _, value = pair.partition(b"=")
        if key := _decoded(name, charset).strip():
            params[key] = _decoded(value, charset)
    return params


def _decoded(data: bytes, charset: str | None) -> str:
    return decode_text(unquote_bytes(data.replace(b"+", b" ") if b"+" in data else data), charset)


def unquote_bytes(data: bytes) -> bytes:
    """``urllib.parse.unquote_to_bytes``, in C: a text in Chinese is all escapes, which the
    standard library decodes one at a time in Python (bench/RESULTS.md). With every escape
    valid, what nearly every client sends, ``%XX`` is spelled ``\\xXX`` (and each backslash
    ``\\\\``) for the codec that reads Python's bytes literals; otherwise each run of escapes is
    decoded at once, an invalid escape kept as it is, as in the standard library."""
    if b"%" not in data:
        return data
    try:
        return codecs.escape_decode(data.replace(b"\\", b"\\\\").replace(b"%", b"\\x"))[0]
    except ValueError:  # an escape that is not two hex digits, or cut short
        return _ESCAPE_RUN.sub(_run_bytes, data)


_ESCAPE_RUN = re.compile(rb"(?:%[0-9A-Fa-f]{2})+")


def _run_bytes(run: re.Match[bytes]) -> bytes:
    return bytes.fromhex(run.group().replace(b"%", b"").decode("ascii"))


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


def request_params(query: bytes, content_type: str | None, body: bytes) -> tuple[dict[str, str], dict[str, str]]:
    """(the query string's parameters, all parameters) of a request, read as PHP reads them: the
    body is parsed when it is urlencoded (or has no Content-Type at all) or multipart, and left
    unread otherwise, as PHP leaves ``$_POST`` empty; the body wins on a clash (docs/contract.md §1)."""
    form: dict[str, str] = {}
    if body:
        kind, charset = media_type(content_type)
        if kind in (FORM_URLENCODED, ""):
            form = parse_urlencoded(body, charset)
        elif kind == MULTIPART:
            form = parse_multipart(body, content_type or "")
    query_params = parse_urlencoded(query)
    return query_params, {**query_params, **form}


def parse_multipart(body: bytes, content_type: str) -> dict[str, str]:
    """The text fields of a multipart body (werkzeug parses it), decoded as :func:`decode_text` does."""
    environ = {"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": content_type,
               "REQUEST_METHOD": "POST"}
    _, form, _ = parse_form_data(environ)
    return {key: decode_text(value.encode("utf-8", "surrogateescape")) for key, value in form.items()}


def answer_format(params: dict[str, str]) -> str:
    """``json`` for ``format=json`` (any case, spaces around), ``xml`` for anything else."""
    return "json" if params.get("format", "").strip().lower() == "json" else "xml"
