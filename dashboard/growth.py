"""Growth page: the upgrade funnel and behaviour segments."""

from __future__ import annotations

import dashboard_charts as charts
import streamlit as st
from dashboard_data import Published, missing_note, published_path, query, sql_literal

SEGMENT_FEATURES = [
    "active_day_ratio",
    "requests_per_active_day",
    "endpoints_per_active_day",
    "error_rate",
]


def _can_draw(published: Published, table: str, required: set[str]) -> bool:
    note = missing_note(published, table, required)
    if note:
        st.info(note)
        return False
    return True


FUNNEL_COLUMNS = {
    "threshold_pct",
    "stage_name",
    "plan_id",
    "behaviour_segment",
    "crossing_month",
    "reached_count",
    "converted_count",
    "median_days_to_convert",
    "open_window_count",
    "pricing_page_views",
    "upgrade_clicks",
    "gated_feature_attempts",
}


def upgrade_funnel(published: Published) -> None:
    st.subheader("Upgrade funnel")
    if not _can_draw(published, "rpt_upgrade_funnel", FUNNEL_COLUMNS):
        return
    options = query(
        published,
        "select distinct behaviour_segment from marts.rpt_upgrade_funnel "
        "where behaviour_segment is not null order by 1",
    )["behaviour_segment"].tolist()
    segment = st.selectbox("behaviour segment", ["all segments", *options], key="funnel_segment")
    where = "" if segment == "all segments" else f"where behaviour_segment = {sql_literal(segment)}"
    frame = query(
        published,
        f"""
        select
            threshold_pct, stage_name as stage,
            sum(reached_count) as reached, sum(converted_count) as converted,
            sum(open_window_count) as open_windows,
            sum(pricing_page_views) as pricing_page_views,
            sum(upgrade_clicks) as upgrade_clicks,
            sum(gated_feature_attempts) as gated_feature_attempts
        from marts.rpt_upgrade_funnel
        {where}
        group by threshold_pct, stage_name
        order by threshold_pct
        """,
    )
    if frame.empty:
        st.info("No customer has crossed a funnel threshold yet.")
        return
    # the rate of the summed counts (the mart's conversion_rate is per plan, segment and month)
    frame["conversion_rate"] = frame["converted"] / frame["reached"]
    left, right = st.columns([3, 2])
    with left:
        st.caption("Customer periods reaching each stage and converting within 30 days")
        st.altair_chart(charts.funnel(frame.drop(columns="threshold_pct")), width="stretch")
    with right:
        st.dataframe(
            frame.drop(columns="threshold_pct"),
            hide_index=True,
            width="stretch",
            column_config={"conversion_rate": st.column_config.NumberColumn(format="percent")},
        )
    with st.expander("By stage, plan, segment and month (median days to convert)"):
        detail = query(
            published,
            f"""
            select crossing_month, stage_name, plan_id, behaviour_segment, reached_count,
                converted_count, median_days_to_convert, open_window_count
            from marts.rpt_upgrade_funnel
            {where}
            order by crossing_month, threshold_pct, plan_id, behaviour_segment
            """,
        )
        st.dataframe(detail, hide_index=True, width="stretch")


def segments(published: Published) -> None:
    st.subheader("Behaviour segments (trailing 90 days)")
    required = {"customer_id", "behaviour_segment", *SEGMENT_FEATURES}
    if not _can_draw(published, "dim_customer_segments", required):
        return
    frame = query(
        published,
        f"""
        select customer_id, behaviour_segment, {", ".join(SEGMENT_FEATURES)}
        from marts.dim_customer_segments
        order by customer_id
        """,
    )
    if frame.empty:
        st.info("No customers yet.")
        return
    counts = frame.groupby("behaviour_segment", as_index=False).agg(
        customers=("customer_id", "count")
    )
    left, right = st.columns([1, 2])
    with left:
        st.altair_chart(
            charts.category_bars(
                counts,
                "behaviour_segment",
                "customers",
                "customers",
                colors=charts.SEGMENT_COLORS,
            ),
            width="stretch",
        )
    with right:
        st.altair_chart(
            charts.scatter(
                frame,
                "active_day_ratio",
                "requests_per_active_day",
                "behaviour_segment",
                ["customer_id", "behaviour_segment", *SEGMENT_FEATURES],
                colors=charts.SEGMENT_COLORS,
            ),
            width="stretch",
        )


def main() -> None:
    st.title("Growth")
    published = Published.locate()
    if published is None:
        st.error(f"No published warehouse at {published_path()}: a run publishes it.")
        st.stop()
    for section in (upgrade_funnel, segments):
        section(published)
        st.divider()


main()
