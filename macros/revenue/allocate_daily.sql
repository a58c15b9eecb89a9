{#- Allocate obligation components to UTC days (metrics.md, Revenue recognition).
    Returns a query (`with ... select`): one row per component and service day with a
    non-zero amount (component_id, service_date, amount DECIMAL(38, 9)), for days up
    to the as-of time.

    components: a relation or CTE, one row per component_id, with component_type
        (`ratable` or `usage`), billing_period_id, metric_code, span_start_at,
        span_end_at, ended_at (a cancellation inside the span, else null) and amount.
    usage_days: a relation or CTE, one row per (billing_period_id, metric_code,
        usage_date) with the day's quantity (additive metrics only: all units,
        allowances and grace included; a time-weighted metric's share of the integral).

    Rules:
    - ratable: recognized by the share of the span's microseconds in each UTC day
      (the Stripe example: 31 over [Jan 15, Feb 15) gives 17 in January and 14 in
      February). A cancellation at c inside the span ends the service: the unserved
      remainder is recognized on c's UTC day. Runs up to the as-of time (the as-of
      day is partial).
    - usage: by each day's share of the period's quantity to date; a component whose
      period has no additive quantity (a non-additive metric, or no usage) is
      recognized ratably over its span instead.
    - Each day is the difference of a cumulative share truncated at 9 decimals, so
      the days of a component add up exactly to its amount once its span or usage is
      complete. -#}

{% macro revenue_ratable_through(amount, start_at, end_at, ended_at, instant) -%}
    case
        when {{ ended_at }} is not null and {{ instant }} > {{ ended_at }}
            then cast({{ amount }} as decimal(38, 9))
        else {{ revenue_prorate(
            amount,
            usage_microseconds_between(start_at, 'least(greatest(' ~ instant ~ ', ' ~ start_at ~ '), ' ~ end_at ~ ')'),
            usage_microseconds_between(start_at, end_at)
        ) }}
    end
{%- endmacro %}

{% macro revenue_allocate_daily(components, usage_days) -%}
    with alloc_components as (
        select * from {{ components }}
    ),

    alloc_usage_days as (
        select * from {{ usage_days }}
    ),

    alloc_period_quantities as (
        select
            alloc_usage_days.billing_period_id,
            alloc_usage_days.metric_code,
            sum(alloc_usage_days.quantity) as total_quantity
        from alloc_usage_days
        group by alloc_usage_days.billing_period_id, alloc_usage_days.metric_code
    ),

    alloc_classified as (
        select
            alloc_components.component_id,
            alloc_components.billing_period_id,
            alloc_components.metric_code,
            alloc_components.span_start_at,
            alloc_components.span_end_at,
            alloc_components.ended_at,
            cast(alloc_components.amount as decimal(38, 9)) as amount,
            alloc_period_quantities.total_quantity,
            coalesce(
                alloc_components.component_type = 'usage' and alloc_period_quantities.total_quantity > 0,
                false
            ) as is_allocated_by_usage
        from alloc_components
        left join alloc_period_quantities
            on alloc_components.billing_period_id = alloc_period_quantities.billing_period_id
            and alloc_components.metric_code = alloc_period_quantities.metric_code
    ),

    alloc_day_offsets as (
        -- a span lies in one billing period: at most 31 days and a daylight-saving hour
        select cast(generated_number - 1 as integer) as day_offset
        from ({{ dbt.generate_series(40) }}) as series
    ),

    alloc_ratable_days as (
        select
            alloc_classified.component_id,
            alloc_classified.amount,
            alloc_classified.span_start_at,
            alloc_classified.span_end_at,
            alloc_classified.ended_at,
            {{ dbt.dateadd('day', 'alloc_day_offsets.day_offset', dbt.date_trunc('day', 'alloc_classified.span_start_at')) }}
                as day_start_at
        from alloc_classified
        cross join alloc_day_offsets
        where not alloc_classified.is_allocated_by_usage
            and alloc_classified.span_start_at < alloc_classified.span_end_at
            and {{ dbt.dateadd('day', 'alloc_day_offsets.day_offset', dbt.date_trunc('day', 'alloc_classified.span_start_at')) }}
                < least(alloc_classified.span_end_at, {{ as_of() }})
    ),

    alloc_ratable_bounds as (
        select
            alloc_ratable_days.*,
            greatest(alloc_ratable_days.day_start_at, alloc_ratable_days.span_start_at) as from_at,
            least({{ dbt.dateadd('day', 1, 'alloc_ratable_days.day_start_at') }}, {{ as_of() }}) as through_at
        from alloc_ratable_days
    ),

    alloc_ratable_amounts as (
        select
            alloc_ratable_bounds.component_id,
            cast(alloc_ratable_bounds.day_start_at as date) as service_date,
            {{ revenue_ratable_through(
                'alloc_ratable_bounds.amount', 'alloc_ratable_bounds.span_start_at', 'alloc_ratable_bounds.span_end_at',
                'alloc_ratable_bounds.ended_at', 'alloc_ratable_bounds.through_at'
            ) }}
            - {{ revenue_ratable_through(
                'alloc_ratable_bounds.amount', 'alloc_ratable_bounds.span_start_at', 'alloc_ratable_bounds.span_end_at',
                'alloc_ratable_bounds.ended_at', 'alloc_ratable_bounds.from_at'
            ) }} as amount
        from alloc_ratable_bounds
    ),

    alloc_usage_rows as (
        select
            alloc_classified.component_id,
            alloc_usage_days.usage_date as service_date,
            alloc_classified.amount,
            alloc_classified.total_quantity,
            alloc_usage_days.quantity,
            sum(alloc_usage_days.quantity) over (
                partition by alloc_classified.component_id
                order by alloc_usage_days.usage_date
                rows between unbounded preceding and current row
            ) as quantity_through_day
        from alloc_classified
        inner join alloc_usage_days
            on alloc_classified.billing_period_id = alloc_usage_days.billing_period_id
            and alloc_classified.metric_code = alloc_usage_days.metric_code
        where alloc_classified.is_allocated_by_usage
    ),

    alloc_usage_amounts as (
        select
            alloc_usage_rows.component_id,
            alloc_usage_rows.service_date,
            {{ revenue_prorate(
                'alloc_usage_rows.amount', 'alloc_usage_rows.quantity_through_day', 'alloc_usage_rows.total_quantity', 9
            ) }}
            - {{ revenue_prorate(
                'alloc_usage_rows.amount',
                'alloc_usage_rows.quantity_through_day - alloc_usage_rows.quantity',
                'alloc_usage_rows.total_quantity',
                9
            ) }} as amount
        from alloc_usage_rows
    ),

    alloc_days as (
        select * from alloc_ratable_amounts
        union all
        select * from alloc_usage_amounts
    )

    select
        alloc_days.component_id,
        alloc_days.service_date,
        cast(alloc_days.amount as decimal(38, 9)) as amount
    from alloc_days
    where alloc_days.amount <> 0
{%- endmacro %}
