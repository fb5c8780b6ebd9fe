"""The words the pages use, written once: the app's help and the README's glossary both show this list (a test
keeps the README equal to it)."""

from __future__ import annotations

GLOSSARY: tuple[tuple[str, str], ...] = (
    ("credit", "The unit the account buys and spends. A message costs parts x the rate of its country."),
    ("lot", "The credits of one purchase, with its date, price and expiry."),
    ("expiring / non-expiring", "Expiring credits are valid two years from their purchase; a new purchase moves "
                                "all remaining expiring credits to its own expiry. Non-expiring credits are spent "
                                "first."),
    ("expiry day", "Credits expire at 00:00 Italian time (Europe/Rome) on their expiry date: first from the "
                   "unassigned pool, then from the lists with a spending limit in proportion to what they hold."),
    ("unassigned pool", "Credits bought and not given to any list. Lists with free access spend from it."),
    ("free access", "A list without a spending limit: it spends from the unassigned pool."),
    ("spending limit", "Credits given to one list: a balance of its own that its messages spend, never topped up by "
                       "itself and never reset each month. Only that list can use them."),
    ("reserved", "What scheduled campaigns still hold back in their list's limit or the pool: their estimated cost "
                 "less the credits of their messages recorded so far."),
    ("available", "Credits held less those reserved. For the account: total - reserved. For the pool: unassigned "
                  "- reserved there. For a list with a limit: its limit's balance - reserved there."),
    ("due, not recorded", "A scheduled campaign past its time with none of its messages recorded: it keeps its "
                          "reservation until its messages are imported or it is cancelled."),
    ("pace", "Each list's average daily spend of the last 90 days, working days and weekends apart."),
    ("postponed", "Credits a purchase moves to a later expiry. Postponed is not saved: at the account's pace some "
                  "may still expire later."),
    ("lost", "Credits that expire before they are spent."),
    ('last day to use', "The day before an expiry day: credits that expire at 00:00 on 10 February can be used "
                        "until 9 February."),
    ('value at risk', "What the credits that expire next cost, at their lots' prices."),
    ('way (of going on)', "What a manager can do about an expiry, followed to the last expiry of every credit it "
                          "holds: *as things stand* (keep sending at the pace), *buy before each deadline* (the "
                          "smallest package on the last day to use the credits, at each deadline, while it keeps "
                          "credits worth more than it costs), *spend them first* (the credits to send on top of "
                          "the pace by the last day, non-expiring ones first, on the lists that would lose them)."),
    ('kept', "Credits (and their euros) a way or a change no longer loses, against *as things stand*; *kept less "
             "cost* takes off what its packages cost."),
    ("parts", "How many SMS parts a text needs: 160 characters in one part (GSM-7), 70 when a character needs "
              "Unicode; longer texts are split as carriers split them."),
    ("unpriced", "Credits from lots bought without a price: counted apart, never valued as free."),
)


def as_markdown_table() -> str:
    """The glossary as a Markdown table (the README's and the app's help)."""
    rows = ["| word | meaning |", "|---|---|"] + [f"| {w} | {m} |" for w, m in GLOSSARY]
    return "\n".join(rows)
