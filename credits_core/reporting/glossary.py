"""The words the pages use, written once: the app's help and the README's glossary both show this list (a test
keeps the README equal to it), in the reader's language (the words and meanings are messages of the catalogs)."""

from __future__ import annotations

from credits_core.language import Words, words


def N_(message: str) -> str:  # noqa: N802 (gettext's name for a message marked here and translated where shown)
    return message


GLOSSARY: tuple[tuple[str, str], ...] = (
    (N_('credit'),
        N_('The unit the account buys and spends. A message costs parts x the rate of its country.')),
    (N_('lot'),
        N_('The credits of one purchase, with its date, price and expiry.')),
    (N_('expiring / non-expiring'),
        N_('Expiring credits are valid two years from their purchase; a new purchase moves all '
            'remaining expiring credits to its own expiry. Non-expiring credits are spent first.')),
    (N_('expiry day'),
        N_('Credits expire at 00:00 Italian time (Europe/Rome) on their expiry date: first from the '
            'unassigned pool, then from the lists with a spending limit in proportion to what they '
            'hold.')),
    (N_('unassigned pool'),
        N_('Credits bought and not given to any list. Lists with free access spend from it.')),
    (N_('free access'),
        N_('A list without a spending limit: it spends from the unassigned pool.')),
    (N_('spending limit'),
        N_('Credits given to one list: a balance of its own that its messages spend, never topped up '
            'by itself and never reset each month. Only that list can use them.')),
    (N_('reserved'),
        N_("What scheduled campaigns still hold back in their list's limit or the pool: their "
            'estimated cost less the credits of their messages recorded so far.')),
    (N_('available'),
        N_('Credits held less those reserved. For the account: total - reserved. For the pool: '
            "unassigned - reserved there. For a list with a limit: its limit's balance - reserved "
            'there.')),
    (N_('due, not recorded'),
        N_('A scheduled campaign past its time with none of its messages recorded: it keeps its '
            'reservation until its messages are imported or it is cancelled.')),
    (N_('pace'),
        N_("Each list's average daily spend of the last 90 days, working days and weekends apart.")),
    (N_('postponed'),
        N_("Credits a purchase moves to a later expiry. Postponed is not saved: at the account's "
            'pace some may still expire later.')),
    (N_('lost'),
        N_('Credits that expire before they are spent.')),
    (N_('last day to use'),
        N_('The day before an expiry day: credits that expire at 00:00 on 10 February can be used '
            'until 9 February.')),
    (N_('value at risk'),
        N_("What the credits that expire next cost, at their lots' prices.")),
    (N_('way (of going on)'),
        N_('What a manager can do about an expiry, followed to the last expiry of every credit it '
            'holds: *as things stand* (keep sending at the pace), *buy before each deadline* (the '
            'smallest package on the last day to use the credits, at each deadline, while it keeps '
            'credits worth more than it costs), *spend them first* (the credits to send on top of the '
            'pace by the last day, non-expiring ones first, on the lists that would lose them).')),
    (N_('kept'),
        N_('Credits (and their euros) a way or a change no longer loses, against *as things stand*; '
            '*kept less cost* takes off what its packages cost.')),
    (N_('parts'),
        N_('How many SMS parts a text needs: 160 characters in one part (GSM-7), 70 when a character '
            'needs Unicode; longer texts are split as carriers split them.')),
    (N_('unpriced'),
        N_('Credits from lots bought without a price: counted apart, never valued as free.')),
)


def as_markdown_table(w: Words | None = None) -> str:
    """The glossary as a Markdown table (the README's and the app's help), in ``w``'s language (English: the
    README's)."""
    w = w or words()
    word, meaning = w.t("word"), w.t("meaning")
    rows = [f"| {word} | {meaning} |", "|---|---|"] + [f"| {w.t(a)} | {w.t(b)} |" for a, b in GLOSSARY]
    return "\n".join(rows)
