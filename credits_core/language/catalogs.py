"""The catalogs kept in step with the code: the messages of every ``t(...)``/``tn(...)`` call (``Words.t``,
``Words.tn`` and the pages' ``t``, ``tn``) are extracted by Babel from the sources; ``update`` adds the new ones to
each language's ``.po`` (empty, to be translated) and drops the ones the code no longer says; ``missing`` and
``mismatched`` are what the tests check (a message without a translation; a translation whose placeholders differ)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from credits_core.language import DOMAIN, HERE, LANGS, placeholders

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("app.py", "app_pages", "credits_core")
# the functions whose first argument(s) are messages; N_ marks one where it is written, translated where it is shown
KEYWORDS = {"t": None, "tn": (1, 2), "N_": None, "said": None, "said_n": (1, 2)}


def extracted(root: Path = ROOT) -> dict[str | tuple[str, str], list[str]]:
    """Every message of the code (a plural one as its (singular, plural) pair), with where it is said."""
    out: dict = {}
    for src in SOURCES:
        path = root / src
        if path.is_file():
            found = ((path.name, *m) for m in _extract_file(path))
        else:
            found = ((f"{src}/{name}", lineno, message, comments, context) for name, lineno, message, comments, context
                     in extract_from_dir(path, method_map=[("**.py", "python")], keywords=KEYWORDS,
                                         comment_tags=(), strip_comment_tags=True))
        for name, lineno, message, _, _ in found:
            out.setdefault(message, []).append(f"{name}:{lineno}")
    return out


def _extract_file(path: Path):
    from babel.messages.extract import extract

    with path.open("rb") as f:
        yield from extract("python", f, keywords=KEYWORDS)


def po_path(lang: str) -> Path:
    return HERE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(lang: str) -> Catalog:
    with po_path(lang).open("rb") as f:
        return read_po(f, locale=lang)


def update(root: Path = ROOT) -> dict[str, int]:
    """Bring every language's ``.po`` in step with the code; returns how many messages each lacks a translation
    for."""
    messages = extracted(root)
    lacking = {}
    for lang in LANGS:
        if lang == "en":
            continue
        old = read(lang)
        new = Catalog(locale=lang, project="sms-credits", fuzzy=False)
        new.header_comment = old.header_comment
        for msgid, where in sorted(messages.items(), key=lambda kv: str(kv[0])):
            before = old.get(msgid if isinstance(msgid, str) else msgid[0])
            string = before.string if before is not None else ("", "") if isinstance(msgid, tuple) else ""
            new.add(msgid, string, locations=[(w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1])) for w in where[:3]])
        with po_path(lang).open("wb") as f:
            write_po(f, new, width=116, omit_header=False, sort_output=True)
        lacking[lang] = len(missing(lang, messages))
    return lacking


def missing(lang: str, messages: dict | None = None) -> list[str]:
    """The code's messages without a translation in ``lang`` (or marked fuzzy)."""
    messages = extracted() if messages is None else messages
    cat = read(lang)
    out = []
    for msgid in messages:
        m = cat.get(msgid if isinstance(msgid, str) else msgid[0])
        strings = [] if m is None else m.string if isinstance(m.string, tuple) else [m.string]
        if m is None or m.fuzzy or not strings or not all(strings):
            out.append(msgid if isinstance(msgid, str) else msgid[0])
    return out


def mismatched(lang: str, cat: Catalog | None = None) -> list[str]:
    """Translations whose placeholders are not exactly the original's (a plural's forms against its plural), in
    ``lang``'s catalog (or ``cat``)."""
    out = []
    for m in cat if cat is not None else read(lang):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        want = set().union(*(placeholders(i) for i in ids))
        for s in strings:
            if s and placeholders(s) != want:
                out.append(f"{ids[0]!r} -> {s!r}: {sorted(placeholders(s) ^ want)}")
    return out
