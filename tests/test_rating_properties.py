"""Property tests of the rating macro (macros/rating/rate_usage.sql).

The macro is compiled once with `dbt compile --inline` (the same SQL the models run,
DuckDB dispatch included) and run in an in-memory DuckDB on generated rate cards
and quantities. Invariants (billing-rules.md, charge models):

- the amount never decreases as the quantity grows (graduated, package, per_unit);
- band edges are exact: at a band's upper bound nothing falls in the next band, one
  unit more puts exactly one unit (or one package) there;
- a volume charge bills all units on exactly one band;
- every amount equals an independent Decimal implementation of the rules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

PROJECT_DIR = Path(__file__).resolve().parents[1]

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    database=None,  # leave no .hypothesis folder in the project
    suppress_health_check=[HealthCheck.too_slow],
)

NANO = Decimal("1e-9")
ATTO = Decimal("1e-18")
SHARE_PLACES = Decimal("1e-15")
ONE = Decimal(1)
QUANTITY = "decimal(38, 9)"
SHARE = "decimal(38, 18)"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def rating_sql(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The rating macro compiled by dbt against an empty, throw-away warehouse."""
    work = tmp_path_factory.mktemp("dbt_rating")
    env = {
        **os.environ,
        "DO_NOT_TRACK": "1",
        "USAGE_BILLING_WAREHOUSE": str(work / "warehouse.duckdb"),
        "USAGE_BILLING_AS_OF": "2026-11-03T00:00:00Z",
    }
    dbt = Path(sys.executable).with_name("dbt")
    completed = subprocess.run(
        [
            str(dbt),
            "--quiet",
            "compile",
            "--profiles-dir",
            str(PROJECT_DIR),
            "--project-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            "--inline",
            "{{ rate_usage('rating_inputs', 'rating_bands') }}",
            "--output",
            "json",
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return json.loads(completed.stdout[completed.stdout.index("{") :])["compiled"]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute(
        """
        create table rating_inputs (
            rating_segment_id varchar,
            metric_code varchar,
            rated_quantity decimal(38, 9),
            segment_share decimal(38, 18)
        )
        """
    )
    connection.execute(
        """
        create table rating_bands (
            rating_segment_id varchar,
            metric_code varchar,
            charge_model varchar,
            band_index integer,
            lower_bound decimal(38, 9),
            up_to decimal(38, 9),
            unit_amount decimal(38, 9),
            flat_amount decimal(38, 9),
            package_size decimal(38, 9),
            included_quantity decimal(38, 9)
        )
        """
    )
    return connection


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Band:
    up_to: Decimal | None  # inclusive; None = open last band
    unit_amount: Decimal
    flat_amount: Decimal
    package_size: Decimal | None


@dataclass(frozen=True)
class Card:
    charge_model: str
    bands: tuple[Band, ...]
    included_quantity: Decimal

    def lower_bounds(self) -> list[Decimal]:
        return [Decimal(0)] + [band.up_to for band in self.bands[:-1]]  # type: ignore[misc]


def _literal(value: Decimal | None, sql_type: str) -> str:
    return "null" if value is None else f"cast('{value}' as {sql_type})"


def rate(
    con: duckdb.DuckDBPyConnection, sql: str, card: Card, quantities: list[Decimal], share: Decimal
) -> dict[int, list[dict]]:
    """Rate every quantity on the card; rows per quantity index, ordered by band."""
    con.execute("delete from rating_inputs")
    con.execute("delete from rating_bands")
    inputs, bands = [], []
    for index, quantity in enumerate(quantities):
        inputs.append(
            f"('q{index}', 'm', {_literal(quantity, QUANTITY)}, {_literal(share, SHARE)})"
        )
        lowers = card.lower_bounds()
        for band_index, (band, lower) in enumerate(zip(card.bands, lowers, strict=True), start=1):
            values = [
                _literal(lower, QUANTITY),
                _literal(band.up_to, QUANTITY),
                _literal(band.unit_amount, QUANTITY),
                _literal(band.flat_amount, QUANTITY),
                _literal(band.package_size, QUANTITY),
                _literal(card.included_quantity, QUANTITY),
            ]
            bands.append(
                f"('q{index}', 'm', '{card.charge_model}', {band_index}, {', '.join(values)})"
            )
    con.execute("insert into rating_inputs values " + ", ".join(inputs))
    con.execute("insert into rating_bands values " + ", ".join(bands))
    result = con.execute(
        f"""
        select rating_segment_id, band_index, band_lower_bound, band_upper_bound, band_quantity,
            billable_units, flat_amount_charged, amount, typeof(amount) as amount_type,
            typeof(billable_units) as units_type, included_quantity, is_band_reached
        from ({sql}) as rated
        order by rating_segment_id, band_index
        """
    )
    columns = [description[0] for description in result.description]
    rows: dict[int, list[dict]] = {}
    for values in result.fetchall():
        row = dict(zip(columns, values, strict=True))
        rows.setdefault(int(row["rating_segment_id"][1:]), []).append(row)
    return rows


def total(rows: list[dict]) -> Decimal:
    return sum((row["amount"] for row in rows), Decimal(0))


def reference_amount(card: Card, quantity: Decimal, share: Decimal) -> Decimal:
    """The charge-model rules of billing-rules.md, written independently in Decimal."""
    with localcontext() as context:
        context.prec = 80
        share_15 = share.quantize(SHARE_PLACES, ROUND_HALF_UP)

        def scaled(value: Decimal) -> Decimal:
            return (value * share_15).quantize(NANO, ROUND_HALF_UP)

        rest = max(quantity - scaled(card.included_quantity), Decimal(0))
        amount = Decimal(0)
        lowers = card.lower_bounds()
        for position, band in enumerate(card.bands):
            is_last = position == len(card.bands) - 1
            lower = scaled(lowers[position])
            upper = None if is_last else scaled(band.up_to)  # type: ignore[arg-type]
            reached = position == 0 or rest > lower
            in_band = max(min(rest, rest if upper is None else upper) - lower, Decimal(0))
            flat = (band.flat_amount * share_15).quantize(ATTO, ROUND_HALF_UP)
            if card.charge_model == "volume":
                applies = reached and (upper is None or rest <= upper)
                units = rest if applies else Decimal(0)
                flat_charged = flat if applies else Decimal(0)
            else:
                if card.charge_model == "package" and band.package_size is not None:
                    units = (in_band / band.package_size).to_integral_value(ROUND_CEILING)
                else:
                    units = in_band
                flat_charged = flat if reached else Decimal(0)
            amount += units * band.unit_amount + flat_charged
        return amount


# --------------------------------------------------------------------------- strategies


def decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(
        min_value=Decimal(low),
        max_value=Decimal(high),
        places=places,
        allow_nan=False,
        allow_infinity=False,
    )


@st.composite
def cards(
    draw,
    models=("per_unit", "package", "graduated", "volume"),
    min_bands=1,
    min_package_size="0.01",
    min_width="0.001",
) -> Card:
    model = draw(st.sampled_from(models))
    band_count = draw(st.integers(min_value=min_bands, max_value=4))
    widths = draw(
        st.lists(decimals(min_width, "5000", 3), min_size=band_count, max_size=band_count)
    )
    bounds, running = [], Decimal(0)
    for width in widths:
        running += width
        bounds.append(running)
    # an open last band, or a last band with a bound (extended to all usage beyond it)
    if draw(st.booleans()):
        bounds[-1] = None
    bands = []
    for up_to in bounds:
        unit_amount = draw(st.one_of(st.just(Decimal(0)), decimals("0", "10", 4)))
        flat_amount = draw(st.one_of(st.just(Decimal(0)), decimals("0", "100", 2)))
        package_size = None
        if model == "package" and (unit_amount > 0 or draw(st.booleans())):
            package_size = draw(decimals(min_package_size, "2000", 2))
        bands.append(Band(up_to, unit_amount, flat_amount, package_size))
    included = draw(st.one_of(st.just(Decimal(0)), decimals("0", "3000", 3)))
    return Card(model, tuple(bands), included)


shares = st.one_of(st.just(Decimal(1)), decimals("0.000001", "1", 6))
quantity_values = decimals("0", "25000", 3)


# --------------------------------------------------------------------------- properties


@SETTINGS
@given(
    card=cards(models=("graduated", "package", "per_unit")),
    quantities=st.lists(quantity_values, min_size=2, max_size=25),
    share=shares,
)
def test_amount_never_decreases_as_quantity_grows(con, rating_sql, card, quantities, share):
    # the band edges themselves are the likeliest places to go wrong
    edges = [
        (bound + card.included_quantity) * share + delta
        for bound in card.lower_bounds()[1:]
        for delta in (Decimal("-0.001"), Decimal(0), Decimal("0.001"))
    ]
    quantities = sorted({q.quantize(NANO) for q in quantities + edges if q >= 0})
    rows = rate(con, rating_sql, card, quantities, share)
    totals = [total(rows[index]) for index in range(len(quantities))]
    for index in range(1, len(quantities)):
        assert totals[index] >= totals[index - 1], (
            f"amount fell from {totals[index - 1]} at {quantities[index - 1]} "
            f"to {totals[index]} at {quantities[index]} on {card}"
        )


@SETTINGS
@given(
    card=cards(
        models=("graduated", "package", "per_unit"),
        min_bands=2,
        min_package_size="1",
        min_width="1",
    ),
    share=st.one_of(st.just(Decimal(1)), decimals("0.05", "1", 6)),
    data=st.data(),
)
def test_band_edges_are_exact(con, rating_sql, card, share, data):
    # the scaled bounds as rating sees them
    probe = rate(con, rating_sql, card, [Decimal(0)], share)[0]
    included = probe[0]["included_quantity"]
    edge = data.draw(st.integers(min_value=0, max_value=len(card.bands) - 2), label="edge band")
    upper = probe[edge]["band_upper_bound"]
    next_upper = probe[edge + 1]["band_upper_bound"]
    # one more unit must fit inside the next band
    assume(next_upper is None or next_upper - upper >= 1)
    at_edge, one_more = Decimal(included + upper), Decimal(included + upper + 1)
    rows = rate(con, rating_sql, card, [at_edge, one_more], share)

    at_band, at_next = rows[0][edge], rows[0][edge + 1]
    assert at_band["band_quantity"] == upper - probe[edge]["band_lower_bound"]
    assert at_next["band_quantity"] == 0
    assert at_next["billable_units"] == 0
    assert not at_next["is_band_reached"]
    assert at_next["flat_amount_charged"] == 0
    assert all(row["band_quantity"] == 0 for row in rows[0][edge + 1 :])

    past_next = rows[1][edge + 1]
    assert past_next["band_quantity"] == 1
    assert past_next["billable_units"] == 1  # one unit, or one started package (size >= 1)
    assert past_next["is_band_reached"]
    assert rows[1][edge]["band_quantity"] == at_band["band_quantity"]
    assert total(rows[1]) - total(rows[0]) == (past_next["amount"] - at_next["amount"]), (
        "only the next band changes"
    )


@SETTINGS
@given(
    card=cards(models=("volume",)),
    quantities=st.lists(quantity_values, min_size=1, max_size=10),
    share=shares,
)
def test_volume_bills_all_units_on_one_band(con, rating_sql, card, quantities, share):
    rows = rate(con, rating_sql, card, quantities, share)
    for index in range(len(quantities)):
        applied = [row for row in rows[index] if row["billable_units"] > 0]
        included = rows[index][0]["included_quantity"]
        quantity_after_included = max(quantities[index] - included, Decimal(0))
        if quantity_after_included == 0:
            assert applied == []
        else:
            assert len(applied) == 1
            assert applied[0]["billable_units"] == quantity_after_included


@SETTINGS
@given(card=cards(), quantities=st.lists(quantity_values, min_size=1, max_size=10), share=shares)
def test_amounts_match_the_decimal_reference(con, rating_sql, card, quantities, share):
    rows = rate(con, rating_sql, card, quantities, share)
    for index, quantity in enumerate(quantities):
        assert len(rows[index]) == len(card.bands), "every band has a row, reached or not"
        assert {row["amount_type"] for row in rows[index]} == {"DECIMAL(38,18)"}
        assert {row["units_type"] for row in rows[index]} == {"DECIMAL(38,9)"}
        assert total(rows[index]) == reference_amount(card, quantity, share), (
            f"quantity {quantity}, share {share}, card {card}"
        )


def test_published_cases(con, rating_sql):
    """The worked examples of billing-rules.md, as plain checks beside the properties."""
    bands = (
        Band(Decimal(5), Decimal(7), Decimal(0), None),
        Band(Decimal(10), Decimal("6.50"), Decimal(0), None),
        Band(None, Decimal(6), Decimal(0), None),
    )
    six_and_twenty = [Decimal(6), Decimal(20)]
    graduated = rate(con, rating_sql, Card("graduated", bands, Decimal(0)), six_and_twenty, ONE)
    assert [total(graduated[0]), total(graduated[1])] == [Decimal("41.50"), Decimal("127.50")]
    volume = rate(con, rating_sql, Card("volume", bands, Decimal(0)), six_and_twenty, ONE)
    assert [total(volume[0]), total(volume[1])] == [Decimal("39.00"), Decimal("120.00")]
    package = Card(
        "package",
        (
            Band(Decimal(100), Decimal(0), Decimal(0), None),
            Band(None, Decimal(5), Decimal(0), Decimal(100)),
        ),
        Decimal(0),
    )
    assert total(rate(con, rating_sql, package, [Decimal(201)], Decimal(1))[0]) == Decimal("10.00")
    scale = Card(
        "package",
        (
            Band(Decimal(10_000_000), Decimal(0), Decimal(0), None),
            Band(None, Decimal("0.05"), Decimal(0), Decimal(1000)),
        ),
        Decimal(0),
    )
    scale_rows = rate(con, rating_sql, scale, [Decimal(12_500_000), Decimal(10_000_001)], ONE)
    assert [total(scale_rows[0]), total(scale_rows[1])] == [Decimal("125.00"), Decimal("0.05")]
    compute = Card(
        "volume",
        (
            Band(Decimal(1000), Decimal("0.08"), Decimal(0), None),
            Band(None, Decimal("0.06"), Decimal(0), None),
        ),
        Decimal(50),
    )
    assert total(rate(con, rating_sql, compute, [Decimal(1200)], Decimal(1))[0]) == Decimal("69.00")
