"""Keys made from names, so that nobody types an identifier: a form's, a process's or a stage's
key is the pinyin of its Chinese name (社区报修 → she-qu-bao-xiu), with a counter when taken."""

from collections.abc import Callable

from anyascii import anyascii
from django.utils.text import slugify


def transliterated(name: str) -> str:
    """Latin letters for a name, a syllable per Chinese character: `slugify` alone would drop
    every character of a Chinese name."""
    return slugify("".join(f" {anyascii(char)} " if ord(char) > 127 else char for char in name))


def generated_key(
    name: str, *, taken: Callable[[str], bool], max_length: int, fallback: str
) -> str:
    """A free key for `name`: its transliteration, then -2, -3… until `taken` says no. A name
    without a letter or digit to keep gets `fallback`."""
    base = transliterated(name)[:max_length].strip("-") or fallback
    key, counter = base, 1
    while taken(key):
        counter += 1
        suffix = f"-{counter}"
        key = base[: max_length - len(suffix)].rstrip("-") + suffix
    return key
