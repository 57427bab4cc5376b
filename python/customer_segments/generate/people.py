"""The customers as numbers: each one's persona, age, income, gender, name and city."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from customer_segments.generate.personas import (
    NEVER_ORDERED,
    PERSONA_SPECS,
    WINDOW_DAYS,
    no_purchase_counts,
    persona_counts,
    persona_param,
)

GENDERS = ("female", "male", "other")
_GENDER_P = (0.49, 0.49, 0.02)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FEMALE_NAMES = _words(
    "emma olivia sophia mia anna laura julia sara lena nina clara eva lucia maria "
    "hannah chloe zoe alice ines marta"
)
MALE_NAMES = _words(
    "liam noah lucas leon paul jonas felix david max elias adam hugo mateo oscar tom "
    "samuel jan luca marco pedro"
)
LAST_NAMES = _words(
    "smith muller garcia rossi martin jansen nowak silva dubois novak schmidt weber "
    "lopez bianchi moreau kowalski santos fischer peters berg hansen costa wagner "
    "meyer ferrari"
)
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example")
CITIES = (  # city, country, share of the customers
    ("Berlin", "Germany", 0.08),
    ("Hamburg", "Germany", 0.04),
    ("Munich", "Germany", 0.04),
    ("Paris", "France", 0.07),
    ("Lyon", "France", 0.03),
    ("Madrid", "Spain", 0.06),
    ("Barcelona", "Spain", 0.04),
    ("Rome", "Italy", 0.05),
    ("Milan", "Italy", 0.04),
    ("Amsterdam", "Netherlands", 0.05),
    ("Rotterdam", "Netherlands", 0.02),
    ("Warsaw", "Poland", 0.04),
    ("Lisbon", "Portugal", 0.03),
    ("Vienna", "Austria", 0.03),
    ("Stockholm", "Sweden", 0.03),
    ("Copenhagen", "Denmark", 0.02),
    ("London", "United Kingdom", 0.10),
    ("Manchester", "United Kingdom", 0.04),
    ("Dublin", "Ireland", 0.03),
    ("New York", "United States", 0.08),
    ("Chicago", "United States", 0.04),
    ("Toronto", "Canada", 0.05),
)


@dataclass(frozen=True)
class People:
    persona: np.ndarray  # int8; base customers first, then ghost customers (orders only)
    # persona whose distributions the customer's draws follow: the persona itself, or for a
    # no-purchase customer (NEVER_ORDERED, ONLY_FAILED) a persona drawn in the shares
    profile: np.ndarray
    birth_day: np.ndarray  # day offset from WINDOW_START
    income_cents: np.ndarray
    gender: np.ndarray
    first_name: np.ndarray  # index into female + male names
    last_name: np.ndarray
    domain: np.ndarray
    city: np.ndarray


def categorical(rng: np.random.Generator, p: Sequence[float], size: int) -> np.ndarray:
    """Draws from a small discrete distribution (probabilities to 1/1024) via a lookup table."""
    return lookup_table(p)[rng.integers(0, 1024, size, dtype=np.int16)]


def lookup_table(p: Sequence[float]) -> np.ndarray:
    edges = np.round(np.cumsum(p) / np.sum(p) * 1024).astype(np.int64)
    return np.repeat(np.arange(len(p), dtype=np.int8), np.diff(edges, prepend=0))


def make_people(rng: np.random.Generator, n: int, n_ghosts: int) -> People:
    never, only_failed = no_purchase_counts(n)
    counts = np.append(persona_counts(n - never - only_failed), [never, only_failed])
    persona = rng.permutation(np.repeat(np.arange(len(counts), dtype=np.int8), counts))
    ghosts = rng.integers(0, len(PERSONA_SPECS), n_ghosts).astype(np.int8)
    persona = np.concatenate([persona, ghosts])
    total = len(persona)
    profile = persona.copy()
    no_purchase = np.flatnonzero(persona >= NEVER_ORDERED)
    drawn = np.repeat(
        np.arange(len(PERSONA_SPECS), dtype=np.int8), persona_counts(len(no_purchase))
    )
    profile[no_purchase] = rng.permutation(drawn)

    age = rng.normal(persona_param("age", profile, 0), persona_param("age", profile, 1))
    age = age.clip(18, 95)
    birth_day = WINDOW_DAYS - np.round(age * 365.25).astype(np.int64)
    income = rng.normal(persona_param("income", profile, 0), persona_param("income", profile, 1))
    income_cents = np.round(income.clip(9_000, None), -2).astype(np.int64) * 100
    gender = categorical(rng, _GENDER_P, total)
    first_name = _first_names(rng.integers(0, len(FEMALE_NAMES) + len(MALE_NAMES), total), gender)
    last_name = rng.integers(0, len(LAST_NAMES), total)
    domain = rng.integers(0, len(EMAIL_DOMAINS), total)
    city = categorical(rng, [c[2] for c in CITIES], total)
    return People(
        persona, profile, birth_day, income_cents, gender, first_name, last_name, domain, city
    )


def _first_names(draw: np.ndarray, gender: np.ndarray) -> np.ndarray:
    """Index into female + male names: female names for women, male for men, any for "other"."""
    n_female, n_male = len(FEMALE_NAMES), len(MALE_NAMES)
    draw = np.where(gender == 0, draw % n_female, draw)
    return np.where(gender == 1, n_female + draw % n_male, draw)
