"""The codebook format: themes, their codes, and the rules that code a unit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from healcode.codebook.patterns import compile_pattern, match_width

Negation = Literal["flag", "exclude", "ignore"]
DEFAULT_NEGATORS = ("不", "没", "没有", "无", "未", "别", "不再", "毫无", "从未", "并非")
# English: n't is the token the segmenter splits off didn't, can't, won't ...; the forms
# without an apostrophe are how chat and quick transcripts write them.
ENGLISH_NEGATORS = (
    "not",
    "no",
    "never",
    "nothing",
    "nobody",
    "none",
    "neither",
    "nor",
    "nowhere",
    "without",
    "cannot",
    "n't",
    "dont",
    "didnt",
    "doesnt",
    "isnt",
    "wasnt",
    "arent",
    "werent",
    "cant",
    "couldnt",
    "wont",
    "wouldnt",
    "shouldnt",
    "havent",
    "hasnt",
    "hadnt",
    "aint",
)
NEGATORS_BY_LANGUAGE: dict[str, tuple[str, ...]] = {"zh": DEFAULT_NEGATORS, "en": ENGLISH_NEGATORS}
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9_]*$")

Text = Annotated[str, Field(strict=True)]
ZERO_WIDTH = (
    "matches only a position, never text (a lookaround, \\b, ^ or $ alone), so it can "
    "never code a unit; make at least one character part of the match"
)


def matches_no_text(pattern: str) -> bool:
    """True when every match of a valid ``pattern`` is empty: ``(?=x)``, ``\\b``, ``^$``."""
    return match_width(pattern)[1] == 0


def primary_language(tag: str) -> str:
    """The language of a tag such as zh, zh-Hant, en-GB or en_US: zh, en."""
    return re.split(r"[-_]", tag.strip().lower(), maxsplit=1)[0]


def default_negators(language: str) -> tuple[str, ...]:
    """The negators a codebook in ``language`` gets when it lists none (none if unknown)."""
    return NEGATORS_BY_LANGUAGE.get(primary_language(language), ())


def is_wildcard(term: str) -> bool:
    """A term ending in ``*`` matches every word that starts with the rest (hope* ->
    hope, hopes, hopeful), as in LIWC, quanteda and WordStat dictionaries."""
    return term.endswith("*")


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: Text
    label: Text
    label_en: Text = ""
    definition: Text = ""
    when_to_use: Text = ""
    when_not_to_use: Text = ""
    example: Text = ""
    terms: list[Text] = []
    patterns: list[Text] = []
    exclude: list[Text] = []
    negation: Negation = "flag"

    @field_validator("id")
    @classmethod
    def _snake_case(cls, value: str) -> str:
        if not SNAKE_CASE.match(value):
            raise ValueError(
                f"id {value!r} must be snake_case (a-z, 0-9, _; starting with a letter)"
            )
        return value

    @field_validator("terms", "exclude")
    @classmethod
    def _no_blank(cls, values: list[str]) -> list[str]:
        if any(not v for v in values):
            raise ValueError("an empty string is not a term")
        return values

    @field_validator("terms")
    @classmethod
    def _wildcard_at_the_end(cls, values: list[str]) -> list[str]:
        for term in values:
            if "*" not in term:
                continue
            prefix = term[:-1]
            if not term.endswith("*") or "*" in prefix or not prefix or prefix[-1].isspace():
                raise ValueError(
                    f"term {term!r}: * is a prefix wildcard and may only end a word "
                    "(hope* matches hope, hopes, hopeful); write other globs as a pattern"
                )
        return values

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, values: list[str]) -> list[str]:
        for pattern in values:
            try:
                compiled = compile_pattern(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
            if matches_no_text(pattern):
                raise ValueError(f"regular expression {pattern!r} {ZERO_WIDTH}")
            if compiled.fullmatch("") is not None or compiled.search("") is not None:
                raise ValueError(
                    f"regular expression {pattern!r} can match the empty string "
                    "(e.g. a trailing ? or *); make at least one character "
                    "required"
                )
        return values


class Code(_Node):
    pass


class Theme(_Node):
    codes: list[Code] = []


@dataclass(frozen=True, slots=True)
class Rule:
    """What codes a unit with one code path: a theme's own terms, or one code's."""

    path: str  # "theme/code", or "theme" for terms on the theme itself
    theme: str
    label: str
    terms: tuple[str, ...]
    patterns: tuple[str, ...]
    exclude: tuple[str, ...]
    negation: Negation


class Codebook(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    codebook: Literal[1]
    name: Text
    language: Text = "zh"
    source: Text = ""
    description: Text = ""
    negators: list[Text] = []  # default: those of the language (see default_negators)
    negation_window: int = Field(default=3, ge=0, le=20)
    themes: list[Theme] = Field(min_length=1)

    _path: str | None = PrivateAttr(default=None)
    _sha256: str | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _language_negators(self) -> Codebook:
        if "negators" not in self.model_fields_set:
            self.negators = list(default_negators(self.language))
        return self

    @model_validator(mode="after")
    def _unique_ids(self) -> Codebook:
        seen: set[str] = set()
        for theme in self.themes:
            for node in (theme, *theme.codes):
                if node.id in seen:
                    raise ValueError(f"id {node.id!r} is used twice; ids must be unique")
                seen.add(node.id)
        return self

    @property
    def path(self) -> str | None:
        return self._path

    @property
    def sha256(self) -> str | None:
        return self._sha256

    def rules(self) -> list[Rule]:
        """Every code path that can code a unit, themes' own terms first within a theme."""
        rules = []
        for theme in self.themes:
            nodes = [(theme, theme.id), *((c, f"{theme.id}/{c.id}") for c in theme.codes)]
            for node, path in nodes:
                if node.terms or node.patterns:
                    rules.append(
                        Rule(
                            path,
                            theme.id,
                            node.label,
                            tuple(node.terms),
                            tuple(node.patterns),
                            tuple(node.exclude),
                            node.negation,
                        )
                    )
        return rules

    def terms(self) -> list[str]:
        """All distinct terms, in codebook order."""
        return list(dict.fromkeys(t for rule in self.rules() for t in rule.terms))

    def labels(self) -> dict[str, str]:
        """Label of every theme and code path."""
        labels = {}
        for theme in self.themes:
            labels[theme.id] = theme.label
            for code in theme.codes:
                labels[f"{theme.id}/{code.id}"] = code.label
        return labels
