"""R12 parts and the price tables."""

from decimal import Decimal

import pytest

from credits_core import CreditsError
from credits_core.ledger import message_cost, packages, rate, rates, sms_per_package, text_parts


@pytest.mark.parametrize("text, parts, encoding", [
    ("", 1, "GSM-7"),
    ("a" * 160, 1, "GSM-7"),
    ("a" * 161, 2, "GSM-7"),
    ("a" * 306, 2, "GSM-7"),
    ("a" * 307, 3, "GSM-7"),
    ("€" * 80, 1, "GSM-7"),      # the euro sign counts 2
    ("€" * 81, 2, "GSM-7"),
    ("[" + "a" * 159, 2, "GSM-7"),
    ("è" * 160, 1, "GSM-7"),    # è is in the basic set
    ("ç" * 70, 1, "UCS-2"),     # ç (small) is not: UCS-2
    ("ç" * 71, 2, "UCS-2"),
    ("a" * 134 + "ç", 3, "UCS-2"),
    ("😀" * 35, 1, "UCS-2"),    # an emoji is 2 UTF-16 code units
    ("😀" * 36, 2, "UCS-2"),
    # R12 as amended: a character is never cut across two parts
    ("a" * 152 + "€" + "a" * 152, 3, "GSM-7"),  # 306 septets, but the euro sign cannot straddle parts 1 and 2
    ("a" * 151 + "€" + "a" * 153, 2, "GSM-7"),  # 153 + 153 exactly
    ("ç" + "😀" * 33 + "a" * 67, 2, "UCS-2"),   # 1 + 66 units fill part 1 exactly, 67 fill part 2
    ("ç" * 66 + "😀" + "a" * 66, 3, "UCS-2"),   # 66 + a pair would be 68 > 67: the pair opens part 2
])
def test_parts(text, parts, encoding):
    tp = text_parts(text)
    assert (tp.parts, tp.encoding) == (parts, encoding)


def test_names_the_character_that_forced_ucs2():
    assert text_parts("Ciao, sconto del 20% 🎉 oggi").unicode_char == "🎉"
    assert text_parts("Plain text").unicode_char is None


def test_cost_and_tables():
    assert rate("IT") == 1
    assert len(rates()) >= 40
    c = message_cost("a" * 200, "fr", recipients=10)
    assert (c.text.parts, c.rate, c.credits) == (2, 3, 60)
    with pytest.raises(CreditsError, match="no rate"):
        message_cost("x", "XX")
    p = packages()
    per_credit = [pr / c for pr, c in zip(p["price_eur"], p["credits"])]
    assert per_credit == sorted(per_credit, reverse=True), "bigger packages must be cheaper per credit"
    assert isinstance(p["price_eur"].iloc[0], Decimal)
    t = sms_per_package(["IT", "DE"])
    assert t.loc["Starter", "IT"] == 1000 and t.loc["Starter", "DE"] == 250


def test_a_text_the_sender_marked_unicode_is_counted_in_ucs2():
    """MailUp's IsUnicode: a GSM-7 text sent as UCS-2 (71 characters: 2 parts instead of 1)."""
    from credits_core.ledger import text_parts

    assert text_parts("a" * 71).parts == 1
    assert text_parts("a" * 71, unicode=True).parts == 2 and text_parts("a" * 71, unicode=True).encoding == "UCS-2"
