{#- Helpers of revenue recognition (metrics.md, Revenue recognition; Retention).
    Money stays DECIMAL: DuckDB divides DECIMALs as DOUBLE, so the proportional
    allocations and ratios here are integer arithmetic on scaled values (hugeint),
    adapter-dispatched; Postgres and Spark divide DECIMALs exactly enough and use the
    default implementations. -#}


{#- amount x numerator / denominator, truncated toward zero at 9 decimals, as
    DECIMAL(38, 9). Used as a cumulative share: the recognized amount through an
    instant (numerator = elapsed microseconds) or through a day (numerator =
    quantity to date); daily amounts are differences of these, so the days of an
    obligation add up exactly to its amount.
    `amount` has at most 9 decimals and any sign (|amount| < 1e11); numerator and
    denominator are >= 0 with numerator <= denominator and denominator > 0, whole
    numbers when operand_scale = 0, or DECIMALs with at most 9 decimals (|x| < 1e20)
    when operand_scale = 9. Truncation at 1e-9 never moves a later half-up rounding
    to cents: an exact half cent is representable and kept. -#}
{% macro revenue_prorate(amount, numerator, denominator, operand_scale=0) -%}
    {{ return(adapter.dispatch('revenue_prorate')(amount, numerator, denominator, operand_scale)) }}
{%- endmacro %}

{% macro default__revenue_prorate(amount, numerator, denominator, operand_scale=0) -%}
    cast(
        sign({{ amount }})
        * floor(abs(cast({{ amount }} as {{ dbt.type_numeric() }})) * ({{ numerator }}) / ({{ denominator }}) * 1000000000)
        / 1000000000
        as decimal(38, 9)
    )
{%- endmacro %}

{% macro duckdb__revenue_prorate(amount, numerator, denominator, operand_scale=0) -%}
    {%- if operand_scale == 9 -%}
        {%- set num = 'cast(cast(' ~ numerator ~ ' as decimal(38, 9)) * 1000000000 as hugeint)' -%}
        {%- set den = 'cast(cast(' ~ denominator ~ ' as decimal(38, 9)) * 1000000000 as hugeint)' -%}
    {%- else -%}
        {%- set num = 'cast(' ~ numerator ~ ' as hugeint)' -%}
        {%- set den = 'cast(' ~ denominator ~ ' as hugeint)' -%}
    {%- endif -%}
    (
        cast(
            (case when {{ amount }} < 0 then -1 else 1 end)
            * (
                (cast(abs(cast({{ amount }} as decimal(38, 9))) * 1000000000 as hugeint) * {{ num }})
                // {{ den }}
            )
            as decimal(38, 0)
        ) * cast('0.000000001' as decimal(38, 9))
    )
{%- endmacro %}


{#- numerator / denominator rounded half-up to 6 decimals as DECIMAL(18, 6); null when
    the denominator is 0 or null. Both >= 0 with at most 10 decimals (retention
    ratios: 1.05, not 105). -#}
{% macro revenue_ratio(numerator, denominator) -%}
    {{ return(adapter.dispatch('revenue_ratio')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__revenue_ratio(numerator, denominator) -%}
    case
        when coalesce({{ denominator }}, 0) = 0 then null
        else cast(round(cast({{ numerator }} as {{ dbt.type_numeric() }}) / ({{ denominator }}), 6) as decimal(18, 6))
    end
{%- endmacro %}

{% macro duckdb__revenue_ratio(numerator, denominator) -%}
    case
        when coalesce({{ denominator }}, 0) = 0 then null
        else cast(
            cast(
                (
                    cast(cast({{ numerator }} as decimal(38, 10)) * 10000000000 as hugeint) * cast(2000000 as hugeint)
                    + cast(cast({{ denominator }} as decimal(38, 10)) * 10000000000 as hugeint)
                ) // (cast(2 as hugeint) * cast(cast({{ denominator }} as decimal(38, 10)) * 10000000000 as hugeint))
                as decimal(38, 0)
            ) * cast('0.000001' as decimal(38, 6))
            as decimal(18, 6)
        )
    end
{%- endmacro %}


{#- The last closed revenue month (first day, a DATE) at the run's as-of time: a month
    closes once the as-of time is at least `revenue_month_close_days` (seed
    billing_settings, 5) days past its end, i.e. month m is closed when
    m + 1 month + 5 days <= as-of. -#}
{% macro revenue_last_closed_month() -%}
    cast({{ dbt.dateadd(
        'month', -1,
        dbt.date_trunc('month', dbt.dateadd('day', '-' ~ billing_setting('revenue_month_close_days', 'integer'), as_of()))
    ) }} as date)
{%- endmacro %}


{#- The first day of the as-of time's month, a DATE. -#}
{% macro revenue_as_of_month() -%}
    cast({{ dbt.date_trunc('month', as_of()) }} as date)
{%- endmacro %}


{#- Pre-hook of fct_revenue_schedule: drop the rows that are recomputed every run (the
    service days of months still open); frozen rows (closed months, posted
    catch-ups) are never touched again, a full refresh included (full_refresh: false). -#}
{% macro delete_unfrozen_revenue(relation) -%}
    {{ delete_rows(relation, 'not is_frozen') }}
{%- endmacro %}


{#- The performance obligation an invoice line bills (metrics.md, Revenue recognition):
    a base fee or proration charge is its own obligation (its charge id); usage and
    grace lines bill the usage of (billing period, metric); adjustment lines bill the
    corrections to it. `line` is the alias of a row of fct_invoice_lines. -#}
{% macro revenue_line_obligation_key(line) -%}
    case
        when {{ line }}.line_type in ('base_fee', 'proration_credit', 'proration_charge')
            then 'fee|' || {{ line }}.source_id
        when {{ line }}.line_type in ('usage', 'grace')
            then 'usage|' || {{ line }}.billing_period_id || '|' || {{ line }}.metric_code
        when {{ line }}.line_type = 'adjustment'
            then 'adjustment|' || {{ line }}.billing_period_id || '|' || {{ line }}.metric_code
    end
{%- endmacro %}

{% macro revenue_line_obligation_type(line) -%}
    case
        when {{ line }}.line_type = 'base_fee' then 'base_fee'
        when {{ line }}.line_type in ('proration_credit', 'proration_charge') then 'proration'
        when {{ line }}.line_type in ('usage', 'grace') then 'usage'
        when {{ line }}.line_type = 'adjustment' then 'adjustment'
    end
{%- endmacro %}
