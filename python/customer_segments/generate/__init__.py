"""Synthetic raw data for the segmentation pipeline, with planted personas and planted dirt.

`generate` writes three raw files in the raw contract (customers, orders, order_items; every
column a string, as a source system would export them) plus a ground-truth file that maps each
valid customer id to the persona it was drawn from (or to "no_purchase_yet", see below). The
truth file lives next to the raw folder, never inside it, so the pipeline cannot read it by
accident.

Everything is vectorised with numpy and written with pyarrow / DuckDB; one
`numpy.random.Generator` seeded from `seed` drives every draw, so the same arguments give
byte-identical files. Orders fall in a fixed window (2024-01-01 .. 2025-12-31) so the output does
not depend on today's date.

Five personas are planted so that they separate on log-transformed, standardised RFM features plus
age and income. Besides them, NO_PURCHASE_SHARE (6 %) of the customers have not bought yet, as in
every real export: NO_PURCHASE_NEVER_ORDERED (two thirds) of them never ordered (signed up only),
the rest placed 1-2 orders that were all cancelled or returned. They belong to no persona (truth
label NO_PURCHASE_PERSONA, "no_purchase_yet"); their attributes (age, income, gender, city,
signup date, ...) come from a persona drawn in the personas' shares, so they do not stand out on
attributes. The personas keep their shares among the buyers. Every buyer's last order is
completed, so a customer has no completed order exactly when the truth says "no_purchase_yet".

Each persona has a favourite category (Persona.favourite_category; FAVOURITE_CATEGORIES maps
persona name -> category), so that segment affinity has something to find: FAVOURITE_SHARE
(55 %) of every persona's order lines take the product nearest the line's target price within
that category, the other lines the product nearest it in the whole catalogue (so that their
category follows the price). Each favourite's list prices cover its persona's typical line
price, so baskets keep their value; the five are distinct, and each is the category its
persona's buyers over-index on most (share of the persona's buyers who bought it / share of
all buyers who did), well clear of the runner-up:

persona                  favourite  list prices  persona's lines, middle 90 %
young_bargain_hunters    beauty     4 - 150      4 - 38
affluent_loyalists       sports     10 - 900     19 - 277
lapsed_customers         toys       5 - 200      7 - 109
occasional_big_spenders  home       10 - 2,000   63 - 939
thrifty_seniors          books      4 - 60       4 - 54

How many orders and order lines a customer has follows an order profile (profiles.py):
`standard`, the shape above and of the bundled sample (about 7 orders and 11 lines per
customer), or `dense` (twice the orders, about 2.9 lines an order: about 40 lines per
customer).

Order lines carry a product_name derived from the category and product number ("Books no.
0123"), as the raw contract allows.

With `dirt=True` about 2-4 % of rows carry realistic defects (duplicates, orphans,
unparseable or impossible values, messy spellings) that the cleaning layer must handle; each kind
is present even for small runs (n_customers=1000).

The package, one job a module:

personas.py  who the customers are: the five personas, the no-purchase shares, the window
profiles.py  how much they buy: the order profiles (orders per customer, lines per order)
people.py    the customers as numbers: persona, age, income, gender, name, city
orders.py    orders as numbers: how many, when, status, channel
lines.py     order lines as numbers: the catalogue, each line's product and quantity
world.py     one run's clean data, all of the above
text.py      numbers to Arrow text columns without a per-row loop
columns.py   the clean rows of each table as text columns
dirt.py      the written tables: clean columns with planted dirt
write.py     `generate`: simulate, build the tables, write the files
"""

from __future__ import annotations

from customer_segments.generate.columns import (
    CUSTOMER_COLUMNS,
    NOT_WRITTEN,
    ORDER_COLUMNS,
    ORDER_ITEM_COLUMNS,
    TRUTH_COLUMNS,
)
from customer_segments.generate.personas import (
    FAVOURITE_CATEGORIES,
    FAVOURITE_SHARE,
    NO_PURCHASE_NEVER_ORDERED,
    NO_PURCHASE_PERSONA,
    NO_PURCHASE_SHARE,
    PERSONAS,
    WINDOW_DAYS,
    WINDOW_END,
    WINDOW_START,
)
from customer_segments.generate.profiles import ORDER_PROFILES
from customer_segments.generate.write import GenerateSummary, default_truth_path, generate

__all__ = [
    "CUSTOMER_COLUMNS",
    "FAVOURITE_CATEGORIES",
    "FAVOURITE_SHARE",
    "NOT_WRITTEN",
    "NO_PURCHASE_NEVER_ORDERED",
    "NO_PURCHASE_PERSONA",
    "NO_PURCHASE_SHARE",
    "ORDER_COLUMNS",
    "ORDER_ITEM_COLUMNS",
    "ORDER_PROFILES",
    "PERSONAS",
    "TRUTH_COLUMNS",
    "WINDOW_DAYS",
    "WINDOW_END",
    "WINDOW_START",
    "GenerateSummary",
    "default_truth_path",
    "generate",
]
