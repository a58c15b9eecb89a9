{#- The behaviour segment of each customer as of the run, for rpt_retention's
    `segment` cut: a query with columns (customer_id, segment), from the growth
    model dim_customer_segments (metrics.md, Behaviour segments). -#}
{% macro revenue_customer_segments() -%}
    select
        dim_customer_segments.customer_id,
        dim_customer_segments.behaviour_segment as segment
    from {{ ref('dim_customer_segments') }} as dim_customer_segments
{%- endmacro %}
