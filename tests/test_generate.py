"""The sample-data generator: raw contract, determinism, order profiles, ground truth,
planted category preferences and planted dirt."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest
from sklearn import cluster, metrics

from customer_segments.cli import OrderProfileName
from customer_segments.contract import raw_contract
from customer_segments.generate import (
    FAVOURITE_CATEGORIES,
    NO_PURCHASE_NEVER_ORDERED,
    NO_PURCHASE_PERSONA,
    NO_PURCHASE_SHARE,
    NOT_WRITTEN,
    ORDER_PROFILES,
    PERSONAS,
    GenerateSummary,
    default_truth_path,
    generate,
)
from customer_segments.paths import project_root

CONTRACT = {
    name: [c for c in table.columns if c not in NOT_WRITTEN]
    for name, table in raw_contract().items()
}
N = 1000
NO_PURCHASE = round(NO_PURCHASE_SHARE * N)  # customers of N without a completed order


def connect(raw: Path, fmt: str = "csv") -> duckdb.DuckDBPyConnection:
    """The written files loaded into memory, read as text the way the pipeline reads them."""
    con = duckdb.connect()
    for table in CONTRACT:
        path = raw / f"{table}.{fmt}"
        reader = (
            f"read_csv('{path}', all_varchar = true, header = true)"
            if fmt == "csv"
            else f"read_parquet('{path}')"
        )
        con.execute(f"create table {table} as select * from {reader}")
    return con


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def dirty(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[GenerateSummary, duckdb.DuckDBPyConnection]:
    summary = generate(N, tmp_path_factory.mktemp("dirty") / "raw", seed=11)
    return summary, connect(summary.out_dir)


@pytest.fixture(scope="module")
def clean(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[GenerateSummary, duckdb.DuckDBPyConnection]:
    summary = generate(N, tmp_path_factory.mktemp("clean") / "raw", seed=11, dirt=False)
    return summary, connect(summary.out_dir)


@pytest.fixture(scope="module")
def dense(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[GenerateSummary, duckdb.DuckDBPyConnection]:
    """`clean` with the dense order profile."""
    raw = tmp_path_factory.mktemp("dense") / "raw"
    summary = generate(N, raw, seed=11, dirt=False, order_profile="dense")
    return summary, connect(summary.out_dir)


# the clean data of each order profile: fixture, profile
PROFILES = {"clean": ORDER_PROFILES["standard"], "dense": ORDER_PROFILES["dense"]}


# --------------------------------------------------------------------------- contract


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_writes_the_raw_contract_as_text_columns(tmp_path: Path, fmt: str) -> None:
    summary = generate(300, tmp_path / "raw", fmt=fmt)

    assert sorted(p.name for p in summary.out_dir.iterdir()) == sorted(
        f"{table}.{fmt}" for table in CONTRACT
    )
    con = connect(summary.out_dir, fmt)
    for table, columns in CONTRACT.items():
        described = con.execute(f"describe {table}").fetchall()
        assert [row[0] for row in described] == columns
        assert {row[1] for row in described} == {"VARCHAR"}
    counts = {table: scalar(con, f"select count(*) from {table}") for table in CONTRACT}
    assert counts == {
        "customers": summary.customers,
        "orders": summary.orders,
        "order_items": summary.order_items,
    }


def test_csv_is_comma_separated_with_a_header_and_quotes_only_where_needed(
    dirty: tuple[GenerateSummary, duckdb.DuckDBPyConnection],
) -> None:
    summary, _ = dirty
    text = (summary.out_dir / "customers.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(CONTRACT["customers"])
    assert '"$' in text  # "$54,000.00" holds a comma, so it is quoted
    assert ',"C0' not in text and not text.splitlines()[1].startswith('"')


def test_unknown_format_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="xlsx"):
        generate(100, tmp_path / "raw", fmt="xlsx")
    assert not (tmp_path / "raw").exists()


def test_unknown_order_profile_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"'sparse'.*standard, dense"):
        generate(100, tmp_path / "raw", order_profile="sparse")
    assert not (tmp_path / "raw").exists()


def test_the_cli_offers_exactly_the_order_profiles() -> None:
    assert [name.value for name in OrderProfileName] == list(ORDER_PROFILES)


def test_truth_inside_the_raw_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="inside the raw folder"):
        generate(100, tmp_path / "raw", truth_path=tmp_path / "raw" / "truth.csv")


# --------------------------------------------------------------------------- determinism


def file_bytes(summary: GenerateSummary) -> dict[str, bytes]:
    files = {p.name: p.read_bytes() for p in summary.out_dir.iterdir()}
    return files | {"truth": summary.truth_path.read_bytes()}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_same_seed_gives_identical_bytes_and_another_seed_does_not(
    tmp_path: Path, fmt: str
) -> None:
    first = generate(500, tmp_path / "a" / "raw", seed=3, fmt=fmt)
    again = generate(500, tmp_path / "b" / "raw", seed=3, fmt=fmt)
    other = generate(500, tmp_path / "c" / "raw", seed=4, fmt=fmt)

    assert file_bytes(first) == file_bytes(again)
    assert (first.customers, first.orders, first.order_items) == (
        again.customers,
        again.orders,
        again.order_items,
    )
    different = file_bytes(other)
    assert all(different[name] != content for name, content in file_bytes(first).items())


def test_the_bundled_sample_is_the_standard_profile_at_3000_customers_and_seed_42(
    tmp_path: Path,
) -> None:
    """`customer-segments generate --customers 3000 --seed 42` wrote data/sample: a change
    that moves any draw of the standard profile changes the sample (regenerate it then)."""
    summary = generate(3000, tmp_path / "sample", seed=42)
    data = project_root() / "data"
    written = sorted(p.name for p in summary.out_dir.iterdir())
    assert written == sorted(p.name for p in (data / "sample").iterdir())
    for name in written:
        assert (summary.out_dir / name).read_bytes() == (data / "sample" / name).read_bytes()
    assert summary.truth_path.read_bytes() == (data / "sample_truth.csv").read_bytes()


# --------------------------------------------------------------------------- order profiles


def test_dense_profile_doubles_the_orders_and_has_about_forty_lines_a_customer(
    clean: tuple[GenerateSummary, duckdb.DuckDBPyConnection],
    dense: tuple[GenerateSummary, duckdb.DuckDBPyConnection],
) -> None:
    (standard, _), (summary, con) = clean, dense

    assert summary.customers == standard.customers == N
    assert summary.orders / standard.orders == pytest.approx(2, abs=0.15)
    assert 12.5 <= summary.orders / N <= 15
    assert 36 <= summary.order_items / N <= 44
    assert 2.7 <= summary.order_items / summary.orders <= 3.1
    lines = ORDER_PROFILES["dense"].lines_p
    assert scalar(con, "select max(line_number::int) from order_items") == len(lines)
    # the same customers with the same personas: only how much they buy changes
    assert summary.truth_path.read_bytes() == standard.truth_path.read_bytes()


# --------------------------------------------------------------------------- ground truth


def test_truth_file_sits_beside_the_raw_folder(
    dirty: tuple[GenerateSummary, duckdb.DuckDBPyConnection],
) -> None:
    summary, _ = dirty
    assert summary.truth_path == default_truth_path(summary.out_dir)
    assert summary.truth_path == summary.out_dir.parent / "raw_truth.csv"
    assert summary.truth_path.is_file()
    assert summary.out_dir not in summary.truth_path.parents


def test_truth_has_one_row_per_valid_customer_and_every_persona(
    dirty: tuple[GenerateSummary, duckdb.DuckDBPyConnection],
) -> None:
    summary, con = dirty
    truth = con.execute(
        f"select customer_id, persona from read_csv('{summary.truth_path}', all_varchar = true)"
    ).fetchall()
    ids = [row[0] for row in truth]
    valid = {
        row[0]
        for row in con.execute(
            "select distinct trim(customer_id) from customers where trim(customer_id) <> ''"
        ).fetchall()
    }

    assert len(ids) == len(set(ids)) == N
    assert set(ids) == valid
    assert {row[1] for row in truth} == {*PERSONAS, NO_PURCHASE_PERSONA}
    assert len(PERSONAS) == 5
    buyers = N - NO_PURCHASE
    shares = {p: sum(row[1] == p for row in truth) / buyers for p in PERSONAS}
    assert all(0.1 <= share <= 0.3 for share in shares.values()), shares
    # the personas keep their planted shares among the buyers (0.25 / 0.15 / 0.20 / 0.15 / 0.25)
    assert list(shares.values()) == pytest.approx([0.25, 0.15, 0.20, 0.15, 0.25], abs=1 / buyers)


@pytest.mark.parametrize("order_profile", list(ORDER_PROFILES))
def test_personas_are_recoverable_by_kmeans_despite_the_dirt(
    tmp_path: Path, order_profile: str
) -> None:
    summary = generate(2000, tmp_path / "raw", seed=5, fmt="parquet", order_profile=order_profile)
    features = customer_features(connect(summary.out_dir, "parquet"), summary.truth_path)

    matrix = np.column_stack(
        [
            features["age"],
            np.log(features["income"]),
            np.log1p(features["recency"]),
            np.log(features["frequency"]),
            np.log(features["monetary"]),
        ]
    )
    matrix = (matrix - matrix.mean(axis=0)) / matrix.std(axis=0)
    labels = cluster.KMeans(5, n_init=4, random_state=0).fit_predict(matrix)

    # only buyers have RFM figures; the no-purchase customers drop out at the join
    assert NO_PURCHASE_PERSONA not in set(features["persona"])
    assert len(features["persona"]) > 0.95 * (2000 - round(NO_PURCHASE_SHARE * 2000))
    assert metrics.adjusted_rand_score(features["persona"], labels) >= 0.9


def customer_features(con: duckdb.DuckDBPyConnection, truth: Path) -> dict[str, np.ndarray]:
    """A small stand-in for the pipeline's cleaning: RFM, age and income per customer."""
    rows = con.execute(
        f"""
        with customer as (
            select trim(customer_id) as customer_id,
                   any_value(try_cast(birth_date as date)) as birth,
                   any_value(try_cast(replace(replace(annual_income, '$', ''), ',', '')
                             as double)) as income
            from customers where trim(customer_id) <> '' group by 1
        ),
        orders_clean as (
            select order_id, any_value(trim(customer_id)) as customer_id,
                   any_value(try_strptime(order_date, '%Y-%m-%d %H:%M:%S')) as ordered,
                   any_value(lower(trim(status))) as status
            from orders where trim(order_id) <> '' group by 1
        ),
        lines as (
            select distinct order_id, line_number, try_cast(quantity as integer) as quantity,
                   try_cast(replace(unit_price, '$', '') as double) as price
            from order_items
        ),
        completed as (
            select o.customer_id, o.ordered, sum(l.quantity * l.price) as value
            from orders_clean o join lines l using (order_id)
            where o.status = 'completed' and o.ordered <= timestamp '2025-12-31 23:59:59'
              and l.quantity > 0 and l.price is not null
            group by o.order_id, o.customer_id, o.ordered
        ),
        last_day as (select max(ordered) as last from completed)
        select t.persona,
               date_diff('day', c.birth, date '2025-12-31') / 365.25 as age,
               c.income,
               date_diff('day', max(o.ordered), any_value(last_day.last)) as recency,
               count(*) as frequency,
               sum(o.value) as monetary
        from customer c
        join completed o using (customer_id)
        join read_csv('{truth}') t using (customer_id)
        cross join last_day
        where c.birth between date '1900-01-01' and date '2025-12-31' and c.income > 0
        group by t.persona, c.customer_id, c.birth, c.income
        """
    ).fetchnumpy()
    return dict(rows)


# --------------------------------------------------------------------------- favourite categories


def test_favourites_are_five_distinct_categories_one_a_persona(
    clean: tuple[GenerateSummary, duckdb.DuckDBPyConnection],
) -> None:
    _, con = clean
    categories = {
        row[0] for row in con.execute("select distinct category from order_items").fetchall()
    }
    assert list(FAVOURITE_CATEGORIES) == list(PERSONAS)
    assert len(set(FAVOURITE_CATEGORIES.values())) == len(PERSONAS)
    assert set(FAVOURITE_CATEGORIES.values()) <= categories


def test_each_persona_over_indexes_most_on_its_favourite_category(
    dirty: tuple[GenerateSummary, duckdb.DuckDBPyConnection],
) -> None:
    """Lift = share of the persona's buyers who bought the category / share of all buyers who
    did, over completed orders as the pipeline reads them: the favourite comes first, clearly."""
    summary, con = dirty
    rows = con.execute(
        f"""
        with completed as (
            select distinct order_id, trim(customer_id) as customer_id from orders
            where lower(trim(status)) = 'completed'
        ),
        bought as (
            select distinct t.persona, c.customer_id, l.category
            from completed c
            join order_items l using (order_id)
            join read_csv('{summary.truth_path}', all_varchar = true) t using (customer_id)
        ),
        buyers as (select persona, count(distinct customer_id) as n from bought group by 1),
        shares as (
            select persona, category, count(*) / any_value(n) as share
            from bought join buyers using (persona) group by all
        ),
        overall as (
            select category, count(distinct customer_id) / (select sum(n) from buyers) as share
            from bought group by 1
        )
        select s.persona, s.category, s.share / o.share as lift
        from shares s join overall o using (category)
        """
    ).fetchall()
    lifts: dict[str, dict[str, float]] = {}
    for persona, category, lift in rows:
        lifts.setdefault(persona, {})[category] = lift
    for persona, favourite in FAVOURITE_CATEGORIES.items():
        ranked = sorted(lifts[persona], key=lifts[persona].get, reverse=True)
        runner_up = ranked[1]
        assert ranked[0] == favourite, (persona, lifts[persona])
        assert lifts[persona][favourite] >= 1.2 * lifts[persona][runner_up], (persona, ranked)


# --------------------------------------------------------------------------- no purchase yet


def purchases(con: duckdb.DuckDBPyConnection, truth: Path) -> list[tuple]:
    """Per valid customer, read from the written files as the pipeline would: truth persona,
    orders placed, completed orders, and whether every order was cancelled or returned."""
    return con.execute(
        f"""
        with valid as (
            select distinct trim(customer_id) as customer_id from customers
            where trim(customer_id) <> ''
        ),
        placed as (
            select trim(customer_id) as customer_id, count(distinct order_id) as orders,
                   count(*) filter (where lower(trim(status)) = 'completed') as completed,
                   bool_and(lower(trim(status)) in ('cancelled', 'returned')) as all_failed
            from orders where trim(order_id) <> '' group by 1
        )
        select customer_id, t.persona, coalesce(p.orders, 0), coalesce(p.completed, 0),
               p.all_failed
        from valid
        join read_csv('{truth}', all_varchar = true) t using (customer_id)
        left join placed p using (customer_id)
        """
    ).fetchall()


@pytest.mark.parametrize("data", ["dirty", "clean"])
def test_the_documented_share_has_no_completed_order_and_is_labelled_so(
    data: str, request: pytest.FixtureRequest
) -> None:
    summary, con = request.getfixturevalue(data)
    rows = purchases(con, summary.truth_path)
    without = {customer for customer, _, _, completed, _ in rows if completed == 0}
    labelled = {customer for customer, persona, *_ in rows if persona == NO_PURCHASE_PERSONA}

    assert len(rows) == N
    assert abs(len(without) - NO_PURCHASE_SHARE * N) <= 0.5  # 6 % of N, to a whole customer
    assert without == labelled
    never = [row for row in rows if row[0] in without and row[2] == 0]
    only_failed = [row for row in rows if row[0] in without and row[2] > 0]
    assert len(never) == round(NO_PURCHASE_NEVER_ORDERED * len(without)) > 0
    assert len(only_failed) == len(without) - len(never) > 0
    assert all(1 <= orders <= 2 and all_failed for _, _, orders, _, all_failed in only_failed)
    statuses = scalar(
        con,
        "select list(distinct lower(trim(status)) order by lower(trim(status))) from orders "
        f"where trim(customer_id) in ({', '.join(repr(row[0]) for row in only_failed)})",
    )
    assert statuses == ["cancelled", "returned"]


def test_customers_without_a_purchase_look_like_the_rest(tmp_path: Path) -> None:
    summary = generate(10_000, tmp_path / "raw", seed=2, dirt=False)
    con = connect(summary.out_dir)
    rows = con.execute(
        f"""
        select t.persona = '{NO_PURCHASE_PERSONA}' as no_purchase,
               date_diff('day', birth_date::date, date '2025-12-31') / 365.25 as age,
               ln(annual_income::double) as log_income,
               date_diff('day', signup_date::date, date '2025-12-31') as tenure,
               (gender = 'female')::int as female
        from customers join read_csv('{summary.truth_path}', all_varchar = true) t
            using (customer_id)
        """
    ).fetchnumpy()
    flag = rows["no_purchase"]
    assert flag.sum() == round(NO_PURCHASE_SHARE * 10_000)
    for column in ("age", "log_income", "tenure", "female"):
        values = rows[column].astype(float)
        gap = abs(values[flag].mean() - values[~flag].mean()) / values[~flag].std()
        assert gap < 0.15, (column, gap)


@pytest.mark.parametrize("n", [1, 9, 25])
def test_tiny_runs_work_with_and_without_no_purchase_customers(tmp_path: Path, n: int) -> None:
    summary = generate(n, tmp_path / "raw", seed=1)
    rows = purchases(connect(summary.out_dir), summary.truth_path)
    without = {customer for customer, _, _, completed, _ in rows if completed == 0}
    assert len(rows) == n
    assert len(without) == round(NO_PURCHASE_SHARE * n)
    assert without == {customer for customer, persona, *_ in rows if persona == NO_PURCHASE_PERSONA}


# --------------------------------------------------------------------------- clean values


# lines per customer of each profile's clean data
LINES_PER_CUSTOMER = {"clean": (8, 14), "dense": (36, 44)}


@pytest.mark.parametrize("data", PROFILES)
def test_clean_values_follow_the_documented_formats(
    data: str, request: pytest.FixtureRequest
) -> None:
    summary, con = request.getfixturevalue(data)
    most_lines = len(PROFILES[data].lines_p)
    no_purchase = (
        f"select customer_id from read_csv('{summary.truth_path}') "
        f"where persona = '{NO_PURCHASE_PERSONA}'"
    )
    checks = {
        "customer_id": "select bool_and(regexp_full_match(customer_id, 'C\\d{7}')) from customers",
        "order_id": "select bool_and(regexp_full_match(order_id, 'O\\d{8}')) from orders",
        "email": "select bool_and(regexp_full_match(email, '[a-z]+[._][a-z]+\\d+@[a-z.]+')) "
        "from customers",
        "gender": "select bool_and(gender in ('female', 'male', 'other')) from customers",
        "birth_date": "select bool_and(try_strptime(birth_date, '%Y-%m-%d') is not null) "
        "from customers",
        "income": "select bool_and(regexp_full_match(annual_income, '\\d+\\.\\d\\d')) "
        "from customers",
        "order_date": "select bool_and(try_strptime(order_date, '%Y-%m-%d %H:%M:%S') "
        "between '2024-01-01' and '2025-12-31 23:59:59') from orders",
        "status": "select bool_and(status in ('completed', 'cancelled', 'returned')) from orders",
        "channel": "select bool_and(channel in ('web', 'app', 'store')) from orders",
        "quantity": "select bool_and(regexp_full_match(quantity, '[1-9]\\d*')) from order_items",
        "unit_price": "select bool_and(regexp_full_match(unit_price, '\\d+\\.\\d\\d')) "
        "from order_items",
        "line_number": f"select bool_and(line_number::int between 1 and {most_lines}) "
        "from order_items",
        # a plain name from the category and the product number: P00123 in books is "Books no. 0123"
        "product_name": "select bool_and(product_name = upper(category[1]) || category[2:] "
        "|| ' no. ' || product_id[3:]) from order_items",
        "one name a product": "select count(*) = 0 from (select product_id from order_items "
        "group by 1 having count(distinct product_name) > 1)",
        "lines join orders": "select count(*) = 0 from order_items "
        "where order_id not in (select order_id from orders)",
        "orders join customers": "select count(*) = 0 from orders "
        "where customer_id not in (select customer_id from customers)",
        "signup before first order": "select bool_and(c.signup_date < o.first) from customers c "
        "join (select customer_id, min(order_date[:10]) as first from orders group by 1) o "
        "using (customer_id)",
        "a completed order each buyer": "select count(*) = 0 from customers where customer_id "
        "not in (select customer_id from orders where status = 'completed') and customer_id "
        f"not in ({no_purchase})",
    }
    failed = [name for name, sql in checks.items() if not scalar(con, sql)]
    assert failed == []
    assert scalar(con, "select count(distinct category) from order_items") == 8
    lines_per_customer = scalar(
        con, "select (select count(*) from order_items) / (select count(*) from customers)"
    )
    low, high = LINES_PER_CUSTOMER[data]
    assert low <= lines_per_customer <= high


@pytest.mark.parametrize("data", PROFILES)
def test_about_eight_percent_cancelled_and_five_returned(
    data: str, request: pytest.FixtureRequest
) -> None:
    _, con = request.getfixturevalue(data)
    shares = dict(
        con.execute(
            "select status, count(*) / (select count(*) from orders) from orders group by 1"
        ).fetchall()
    )
    assert shares["cancelled"] == pytest.approx(0.08, abs=0.015)
    assert shares["returned"] == pytest.approx(0.05, abs=0.015)


# --------------------------------------------------------------------------- dirt

DIRT = {
    "customers: exact duplicate rows": "select count(*) - (select count(*) from "
    "(select distinct * from customers)) from customers",
    "customers: one id, two e-mails": "select count(*) from (select customer_id from customers "
    "where trim(customer_id) <> '' group by 1 having count(distinct email) > 1)",
    "customers: blank id": "select count(*) from customers where coalesce(trim(customer_id), '') = ''",
    "customers: unparseable birth_date": "select count(*) from customers "
    "where try_strptime(birth_date, '%Y-%m-%d') is null and birth_date is not null",
    "customers: birth_date 1850": "select count(*) from customers where birth_date = '1850-01-01'",
    "customers: birth_date in the future": "select count(*) from customers "
    "where try_cast(birth_date as date) > date '2025-12-31'",
    "customers: negative income": "select count(*) from customers "
    "where try_cast(annual_income as double) < 0",
    "customers: currency income": "select count(*) from customers "
    "where regexp_full_match(annual_income, '\\$\\d{1,3}(,\\d{3})*\\.\\d\\d')",
    "customers: messy gender": "select count(distinct coalesce(gender, '')) from customers "
    "where coalesce(gender, '') in ('F', ' Female ', 'M', 'MALE', 'f', '', 'unknown')",
    "customers: e-mail with capitals or spaces": "select count(*) from customers "
    "where email <> lower(trim(email))",
    "orders: unknown customer": "select count(*) from orders where customer_id not in "
    "(select customer_id from customers where customer_id is not null)",
    "orders: unparseable order_date": "select count(*) from orders "
    "where try_strptime(order_date, '%Y-%m-%d %H:%M:%S') is null",
    "orders: order_date in the future": "select count(*) from orders "
    "where order_date = '2091-01-01 10:00:00'",
    "orders: status spellings": "select count(distinct status) from orders "
    "where status in ('Completed', ' COMPLETED ', 'Cancelled', 'RETURNED')",
    "orders: duplicate order_id": "select count(*) from (select order_id from orders "
    "where trim(order_id) <> '' group by 1 having count(*) > 1)",
    "orders: blank order_id": "select count(*) from orders where coalesce(trim(order_id), '') = ''",
    "order_items: unknown order": "select count(*) from order_items where order_id not in "
    "(select order_id from orders where order_id is not null)",
    "order_items: duplicate lines": "select count(*) from (select order_id, line_number "
    "from order_items group by all having count(*) > 1)",
    "order_items: negative quantity": "select count(*) from order_items "
    "where try_cast(quantity as integer) < 0",
    "order_items: unparseable unit_price": "select count(*) from order_items "
    "where unit_price = 'n/a'",
    "order_items: currency unit_price": "select count(*) from order_items "
    "where regexp_full_match(unit_price, '\\$\\d+\\.\\d\\d')",
}
EVERY_VARIANT = {"customers: messy gender": 7, "orders: status spellings": 4}


@pytest.mark.parametrize("kind", DIRT)
def test_each_kind_of_dirt_is_planted(
    kind: str, dirty: tuple[GenerateSummary, duckdb.DuckDBPyConnection]
) -> None:
    _, con = dirty
    assert scalar(con, DIRT[kind]) >= EVERY_VARIANT.get(kind, 1)


@pytest.mark.parametrize("kind", DIRT)
def test_clean_data_has_no_dirt(
    kind: str, clean: tuple[GenerateSummary, duckdb.DuckDBPyConnection]
) -> None:
    _, con = clean
    assert scalar(con, DIRT[kind]) == 0


def test_dirt_touches_a_few_percent_of_rows(
    dirty: tuple[GenerateSummary, duckdb.DuckDBPyConnection],
    clean: tuple[GenerateSummary, duckdb.DuckDBPyConnection],
) -> None:
    (dirty_summary, con), (clean_summary, _) = dirty, clean
    clean_rows = {
        "customers": "select count(*) from customers where regexp_full_match(customer_id, "
        "'C\\d{7}') and email = lower(email) and gender in ('female', 'male', 'other') "
        "and birth_date between '1900' and '2025-12-31' "
        "and regexp_full_match(annual_income, '\\d+\\.\\d\\d') "
        "and customer_id in (select customer_id from customers group by 1 having count(*) = 1)",
        "orders": "select count(*) from orders where status in ('completed', 'cancelled', "
        "'returned') and try_strptime(order_date, '%Y-%m-%d %H:%M:%S') < '2026-01-01' "
        "and customer_id in "
        "(select customer_id from customers) and order_id in "
        "(select order_id from orders group by 1 having count(*) = 1)",
        "order_items": "select count(*) from order_items where quantity::int > 0 "
        "and regexp_full_match(unit_price, '\\d+\\.\\d\\d') and order_id in "
        "(select order_id from orders) and order_id || '#' || line_number in "
        "(select order_id || '#' || line_number from order_items group by 1 having count(*) = 1)",
    }
    written = {
        "customers": dirty_summary.customers,
        "orders": dirty_summary.orders,
        "order_items": dirty_summary.order_items,
    }
    for table, sql in clean_rows.items():
        share = 1 - scalar(con, sql) / written[table]
        assert 0.01 <= share <= 0.06, (table, share)
    assert dirty_summary.customers > clean_summary.customers == N
