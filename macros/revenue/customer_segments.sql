{#- The behaviour segment of each customer as of the run, for rpt_retention's
    `segment` cut: a query with columns (customer_id, segment).
    The segments are built by the growth models (dim_customer_segments, metrics.md,
    Behaviour segments). While that model is disabled (it is built behind the
    `growth_dev` var), every customer is `unsegmented`, so the cut still has rows
    and no ref dangles; with `--vars '{growth_dev: true}'` the real segments are used. -#}
{% macro revenue_customer_segments() -%}
    {%- if var('growth_dev', false) -%}
    select
        dim_customer_segments.customer_id,
        dim_customer_segments.behaviour_segment as segment
    from {{ ref('dim_customer_segments') }} as dim_customer_segments
    {%- else -%}
    select
        int_customers.customer_id,
        'unsegmented' as segment
    from {{ ref('int_customers') }} as int_customers
    {%- endif -%}
{%- endmacro %}
