"""``python -m credits_core.language``: compile every catalog's .po to .mo (the install step runs it);
``python -m credits_core.language update``: add the code's new messages to each .po and say how many lack a
translation."""

import sys

from credits_core.language import compile_all

if __name__ == "__main__":
    if sys.argv[1:] == ["update"]:
        from credits_core.language.catalogs import update
        for lang, lacking in update().items():
            print(f"{lang}: {lacking} message(s) to translate")
    else:
        for path in compile_all():
            print(f"compiled {path}")
