{#- The rows of `placed` (event_source, event_id, customer_id, metric_code) against the
    metric values of `metric_values` (same columns): per customer and metric, the
    count and the sum of the keys' 64-bit hashes (key_hash(), as DECIMAL(38, 0), which
    cannot overflow). Equal multisets give equal sums; a value placed twice and
    another left out keep the count but change the sum (unless the two keys' hashes
    are equal: a chance of 2^-64). Returns the customers and metrics that differ: one
    grouping pass over each table, where a grain test of `placed` needs a hash table
    of every row (74 s at 100M events, against 23 s for the counts alone).
    int_segment_usage_events' test assert_usage_events_counted_once calls it. Needs a
    numeric key_hash(): DuckDB's hash() and Spark's xxhash64() (the md5 text of other
    adapters does not cast to a number). -#}
{% macro values_placed_once(metric_values, placed) -%}
{%- set key_hash_total = 'sum(cast(' ~ key_hash(['event_source', 'event_id']) ~ ' as decimal(38, 0)))' -%}
with value_totals as (
    select
        customer_id,
        metric_code,
        count(*) as value_count,
        {{ key_hash_total }} as value_key_hash_total
    from {{ metric_values }}
    group by customer_id, metric_code
),

placed_totals as (
    select
        customer_id,
        metric_code,
        count(*) as placed_count,
        {{ key_hash_total }} as placed_key_hash_total
    from {{ placed }}
    group by customer_id, metric_code
),

final as (
    select
        coalesce(value_totals.customer_id, placed_totals.customer_id) as customer_id,
        coalesce(value_totals.metric_code, placed_totals.metric_code) as metric_code,
        coalesce(value_totals.value_count, 0) as value_count,
        coalesce(placed_totals.placed_count, 0) as placed_count,
        value_totals.value_key_hash_total,
        placed_totals.placed_key_hash_total
    from value_totals
    full outer join placed_totals
        on value_totals.customer_id = placed_totals.customer_id
        and value_totals.metric_code = placed_totals.metric_code
)

select * from final
where value_count <> placed_count
    or value_key_hash_total <> placed_key_hash_total
{%- endmacro %}
