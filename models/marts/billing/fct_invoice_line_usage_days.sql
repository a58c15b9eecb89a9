{#- One row per usage invoice line and UTC day of usage behind it: the drill-down that
    answers a billing dispute with one query. Each day's usage of the line's metric in
    the line's plan segment (int_segment_usage_daily) with its events, and the share of
    the line attributed to the day: the line's quantity and amount in proportion to the
    day's part of the segment's measured quantity (for additive and time-weighted
    metrics the days add up exactly to the segment). The days are those known now: usage
    that arrived after a line was finalized is billed by an adjustment line and shows
    here beside the original days. -#}

with lines as (
    select * from {{ ref('fct_invoice_lines') }}
    where line_type = 'usage'
),

days as (
    select * from {{ ref('int_segment_usage_daily') }}
),

segment_totals as (
    select
        segment_id,
        metric_code,
        sum(quantity) as segment_quantity
    from days
    group by segment_id, metric_code
),

final as (
    select
        md5(lines.invoice_line_id || '|' || cast(days.usage_date as {{ dbt.type_string() }}))
            as invoice_line_usage_day_id,
        lines.invoice_line_id,
        lines.invoice_id,
        lines.customer_id,
        lines.subscription_id,
        lines.metric_code,
        lines.band_index,
        lines.segment_id,
        days.usage_date,
        days.aggregation,
        days.is_additive,
        days.quantity as day_quantity,
        days.event_count as day_event_count,
        days.first_event_at,
        days.last_event_at,
        segment_totals.segment_quantity,
        lines.quantity as line_quantity,
        lines.amount as line_amount,
        -- the day's share of the segment, exact to 18 decimals (quantities in nano-units)
        case
            when days.is_additive and segment_totals.segment_quantity > 0
                then {{ exact_ratio('1', 'cast(days.quantity * 1000000000 as bigint)', 'cast(segment_totals.segment_quantity * 1000000000 as bigint)') }}
        end as day_share
    from lines
    inner join days
        on lines.segment_id = days.segment_id
        and lines.metric_code = days.metric_code
    inner join segment_totals
        on days.segment_id = segment_totals.segment_id
        and days.metric_code = segment_totals.metric_code
)

select
    final.*,
    cast(cast(final.line_quantity as decimal(38, 9)) * final.day_share as decimal(38, 9)) as allocated_quantity,
    cast(final.line_amount * final.day_share as decimal(38, 9)) as allocated_amount
from final
