"""Finance page: revenue, balances, MRR, retention, cohorts and invoices."""

from __future__ import annotations

import dashboard_charts as charts
import pandas as pd
import streamlit as st
from dashboard_data import Published, missing_note, published_path, query, sql_literal

RETENTION_SERIES = {
    "nrr_t12": "NRR (trailing 12 months)",
    "grr_t12": "GRR (trailing 12 months)",
    "logo_retention_t12": "logo retention (12 months)",
    "nrr_monthly": "NRR (monthly)",
    "grr_monthly": "GRR (monthly)",
}


def _note_or_none(published: Published, table: str, required: set[str]) -> bool:
    """Show why a chart cannot be drawn; True when it can."""
    note = missing_note(published, table, required)
    if note:
        st.info(note)
        return False
    return True


def _last_closed_value(
    published: Published, table: str, month: str, value: str, where: str = ""
) -> tuple[str, float] | None:
    """(month, value) of the last closed month of a mart, or None when it is not there."""
    if missing_note(published, table, {month, value, "is_month_closed"}):
        return None
    frame = query(
        published,
        f"""
        select strftime(max({month}), '%Y-%m') as month, sum({value}) as value
        from marts.{table}
        where {month} = (select max({month}) from marts.{table} where is_month_closed)
        {where}
        """,
    )
    if frame.empty or frame["month"].isna().all():
        return None
    return frame["month"].iloc[0], frame["value"].iloc[0]


def headline(published: Published) -> None:
    """The last closed month's key numbers (what `make demo` prints)."""
    figures = {
        "Revenue (USD)": (
            _last_closed_value(
                published, "rpt_revenue_monthly", "revenue_month", "recognized_amount_usd"
            ),
            "{:,.2f}",
        ),
        "MRR (USD)": (
            _last_closed_value(published, "rpt_mrr_movements", "mrr_month", "mrr_usd"),
            "{:,.2f}",
        ),
        "NRR (12 months)": (
            _last_closed_value(
                published, "rpt_retention", "retention_month", "nrr_t12", "and dimension = 'all'"
            ),
            "{:.1%}",
        ),
        "GRR (12 months)": (
            _last_closed_value(
                published, "rpt_retention", "retention_month", "grr_t12", "and dimension = 'all'"
            ),
            "{:.1%}",
        ),
        "Deferred (USD)": (
            _last_closed_value(
                published, "rpt_revenue_rollforward", "balance_month", "deferred_closing_amount_usd"
            ),
            "{:,.2f}",
        ),
    }
    shown = {label: (found, fmt) for label, (found, fmt) in figures.items() if found is not None}
    if not shown:
        return
    months = sorted({month for (month, _), _ in shown.values()})
    for column, (label, ((month, value), fmt)) in zip(
        st.columns(len(shown)), shown.items(), strict=True
    ):
        text = "n/a" if pd.isna(value) else fmt.format(float(value))
        column.metric(label if len(months) == 1 else f"{label}, {month}", text)
    st.caption(
        f"Last closed month: {', '.join(months)} (a month closes 5 days after its end; "
        "later months are provisional)."
    )


def revenue_by_month(published: Published) -> None:
    st.subheader("Recognized revenue by month and obligation (USD)")
    required = {"revenue_month", "obligation_type", "recognized_amount_usd"}
    if not _note_or_none(published, "rpt_revenue_monthly", required):
        return
    frame = query(
        published,
        """
        select revenue_month, obligation_type, sum(recognized_amount_usd) as recognized_amount_usd
        from marts.rpt_revenue_monthly
        group by revenue_month, obligation_type
        order by revenue_month, obligation_type
        """,
    )
    if frame.empty:
        st.info("No recognized revenue yet.")
        return
    chart = charts.stacked_bars(
        frame, "revenue_month", "recognized_amount_usd", "obligation_type", "month", "USD"
    )
    st.altair_chart(chart, width="stretch")


ROLLFORWARD_COLUMNS = {
    "balance_month",
    "currency",
    "deferred_opening_amount",
    "deferred_billed_amount",
    "deferred_recognized_amount",
    "deferred_closing_amount",
    "unbilled_opening_amount",
    "unbilled_recognized_amount",
    "unbilled_billed_amount",
    "unbilled_closing_amount",
    "deferred_closing_amount_usd",
    "unbilled_closing_amount_usd",
}


def rollforward(published: Published) -> None:
    st.subheader("Deferred and unbilled revenue roll-forward")
    if not _note_or_none(published, "rpt_revenue_rollforward", ROLLFORWARD_COLUMNS):
        return
    balances = query(
        published,
        """
        select balance_month, 'deferred revenue' as balance, sum(deferred_closing_amount_usd) as closing
        from marts.rpt_revenue_rollforward group by balance_month
        union all
        select balance_month, 'unbilled revenue', sum(unbilled_closing_amount_usd)
        from marts.rpt_revenue_rollforward group by balance_month
        order by 1, 2
        """,
    )
    if balances.empty:
        st.info("No balances yet.")
        return
    st.caption("Closing balances at each month's end (USD)")
    st.altair_chart(
        charts.lines(balances, "balance_month", "balance", "closing", "USD"), width="stretch"
    )
    currencies = query(
        published, "select distinct currency from marts.rpt_revenue_rollforward order by 1"
    )["currency"].tolist()
    pick, note = st.columns([1, 3])
    currency = pick.selectbox("currency", currencies, key="rollforward_currency")
    note.caption(
        f"Roll-forward in {currency}, newest month first: deferred opening + billed - "
        "recognized = closing; unbilled opening + recognized - billed = closing."
    )
    table = query(
        published,
        f"""
        select
            strftime(balance_month, '%Y-%m') as month,
            sum(deferred_opening_amount) as deferred_opening,
            sum(deferred_billed_amount) as deferred_billed,
            sum(deferred_recognized_amount) as deferred_recognized,
            sum(deferred_closing_amount) as deferred_closing,
            sum(unbilled_opening_amount) as unbilled_opening,
            sum(unbilled_recognized_amount) as unbilled_recognized,
            sum(unbilled_billed_amount) as unbilled_billed,
            sum(unbilled_closing_amount) as unbilled_closing
        from marts.rpt_revenue_rollforward
        where currency = {sql_literal(currency)}
        group by balance_month
        order by balance_month desc
        """,
    )
    st.dataframe(table, hide_index=True, width="stretch", height=290)


def mrr_movements(published: Published) -> None:
    st.subheader("MRR movements")
    required = {"mrr_month", "currency", "mrr", "previous_mrr", "movement_type", "movement_amount"}
    if not _note_or_none(published, "rpt_mrr_movements", required):
        return
    months = query(
        published, "select distinct mrr_month from marts.rpt_mrr_movements order by mrr_month"
    )["mrr_month"].tolist()
    if not months:
        st.info("No MRR yet.")
        return
    currencies = query(
        published, "select distinct currency from marts.rpt_mrr_movements order by 1"
    )["currency"].tolist()
    labels = [pd.Timestamp(month).strftime("%Y-%m") for month in months]
    # MRR = previous MRR + movements holds exactly per currency (each month's FX rate differs)
    pick_currency, pick_months = st.columns([1, 3])
    currency = pick_currency.selectbox(
        "currency",
        currencies,
        index=currencies.index("USD") if "USD" in currencies else 0,
        key="mrr_currency",
    )
    if len(labels) > 1:
        start, end = pick_months.select_slider(
            "months", options=labels, value=(labels[max(0, len(labels) - 12)], labels[-1])
        )
    else:
        start = end = labels[0]
    scope = (
        f"currency = {sql_literal(currency)} and mrr_month between "
        f"cast('{start}-01' as date) and cast('{end}-01' as date)"
    )
    totals = query(
        published,
        f"""
        select
            coalesce(sum(case when mrr_month = cast('{start}-01' as date) then previous_mrr end), 0)
                as opening,
            coalesce(sum(case when mrr_month = cast('{end}-01' as date) then mrr end), 0) as closing
        from marts.rpt_mrr_movements
        where {scope}
        """,
    ).iloc[0]
    movements = query(
        published,
        f"""
        select movement_type, sum(movement_amount) as amount
        from marts.rpt_mrr_movements
        where movement_type is not null and {scope}
        group by movement_type
        """,
    )
    steps = charts.waterfall_steps(totals["opening"], movements, totals["closing"])
    left, right = st.columns(2)
    with left:
        st.caption(f"Waterfall in {currency}: MRR before {start}, movements, MRR of {end}")
        st.altair_chart(charts.waterfall(steps, f"MRR ({currency})"), width="stretch")
    with right:
        monthly = query(
            published,
            f"""
            select mrr_month, movement_type, sum(movement_amount) as movement_amount
            from marts.rpt_mrr_movements
            where movement_type is not null and {scope}
            group by mrr_month, movement_type
            order by mrr_month
            """,
        )
        st.caption(f"Movements per month ({currency})")
        st.altair_chart(
            charts.stacked_bars(
                monthly,
                "mrr_month",
                "movement_amount",
                "movement_type",
                "month",
                currency,
                colors={name: charts.MOVEMENT_COLORS[name] for name in charts.MOVEMENT_ORDER},
            ),
            width="stretch",
        )


def retention(published: Published) -> None:
    st.subheader("Net and gross revenue retention")
    required = {"retention_month", "dimension", "dimension_value", *RETENTION_SERIES}
    if not _note_or_none(published, "rpt_retention", required):
        return
    frame = query(
        published,
        f"""
        select retention_month, {", ".join(RETENTION_SERIES)}
        from marts.rpt_retention
        where dimension = 'all'
        order by retention_month
        """,
    )
    long = frame.melt(id_vars=["retention_month"], var_name="series", value_name="ratio").dropna()
    if long.empty:
        st.info("No retention yet (it needs a customer paying 12 months earlier).")
        return
    long["series"] = long["series"].map(RETENTION_SERIES)
    trailing = long[long["series"].str.contains("12")]
    monthly = long[~long["series"].str.contains("12")]
    left, right = st.columns(2)
    with left:
        st.altair_chart(
            charts.ratio_lines(
                trailing, "retention_month", "series", "ratio", "trailing 12 months"
            ),
            width="stretch",
        )
    with right:
        st.altair_chart(
            charts.ratio_lines(monthly, "retention_month", "series", "ratio", "month on month"),
            width="stretch",
        )
    pick_cut, pick_ratio = st.columns(2)
    cut = pick_cut.selectbox("cut", ["plan", "segment", "channel"], key="retention_cut")
    ratio = pick_ratio.selectbox(
        "ratio", ["nrr_t12", "grr_t12", "logo_retention_t12"], key="retention_ratio"
    )
    by_cut = query(
        published,
        f"""
        select retention_month, dimension_value as {cut}, {ratio}
        from marts.rpt_retention
        where dimension = {sql_literal(cut)} and {ratio} is not null
        order by retention_month
        """,
    )
    if by_cut.empty:
        st.info(f"No {RETENTION_SERIES[ratio]} by {cut} yet.")
        return
    st.altair_chart(
        charts.ratio_lines(
            by_cut, "retention_month", cut, ratio, f"{RETENTION_SERIES[ratio]} by {cut}"
        ),
        width="stretch",
    )


def cohorts(published: Published) -> None:
    st.subheader("Cohort retention")
    required = {"cohort_month", "months_since_cohort", "logo_retention", "revenue_retention"}
    if not _note_or_none(published, "rpt_cohort_retention", required):
        return
    measure = st.radio(
        "measure", ["logo_retention", "revenue_retention"], horizontal=True, key="cohort_measure"
    )
    frame = query(
        published,
        f"""
        select cohort_month, months_since_cohort, {measure}
        from marts.rpt_cohort_retention
        order by cohort_month, months_since_cohort
        """,
    )
    if frame.empty:
        st.info("No cohorts yet.")
        return
    st.altair_chart(
        charts.heatmap(
            frame, "cohort_month", "months_since_cohort", measure, measure.replace("_", " ")
        ),
        width="stretch",
    )


def invoices(published: Published) -> None:
    st.subheader("Invoices by status")
    required = {"boundary_at", "status", "currency", "total_amount"}
    if not _note_or_none(published, "fct_invoices", required):
        return
    frame = query(
        published,
        """
        select
            cast(date_trunc('month', boundary_at) as date) as invoice_month,
            status, currency, count(*) as invoices, sum(total_amount) as total_amount
        from marts.fct_invoices
        group by 1, 2, 3
        order by 1, 2, 3
        """,
    )
    if frame.empty:
        st.info("No invoices yet.")
        return
    left, right = st.columns([2, 1])
    with left:
        st.altair_chart(
            charts.stacked_bars(frame, "invoice_month", "invoices", "status", "month", "invoices"),
            width="stretch",
        )
    with right:
        summary = (
            frame.groupby(["status", "currency"], as_index=False)[["invoices", "total_amount"]]
            .sum()
            .sort_values(["status", "currency"])
        )
        st.dataframe(summary, hide_index=True, width="stretch")


def main() -> None:
    st.title("Finance")
    published = Published.locate()
    if published is None:
        st.error(
            f"No published warehouse at {published_path()}. A run publishes it after its "
            "checks pass: `make demo`, or `usage-billing run`."
        )
        st.stop()
    st.caption(
        f"Published copy `{published.path}`, written "
        f"{pd.Timestamp(published.version, unit='ns', tz='UTC'):%Y-%m-%d %H:%M} UTC (read-only)."
    )
    headline(published)
    for section in (revenue_by_month, rollforward, mrr_movements, retention, cohorts, invoices):
        section(published)
        st.divider()


main()
