{#- Exact arithmetic for usage quantities (billing-rules.md, Metric catalog; Money).
    DuckDB divides DECIMALs as DOUBLE, so every division here is done on whole
    nano-units as 128-bit integers; Postgres and Spark divide DECIMALs exactly
    enough and use the default implementations.

    Quantities are DECIMAL(38, 9). A quotient is truncated toward zero at the 9th
    decimal (all operands are >= 0, so truncation is a floor). Daily and segment
    quantities are differences of truncated running totals, so the days of a
    segment add up exactly to the segment (see int_segment_usage_daily). -#}


{#- A JSON object's member as text, the member's name taken from a column (the
    catalog's value_property), not a literal. -#}
{% macro usage_json_member_text(json_column, key_column) -%}
    {{ return(adapter.dispatch('usage_json_member_text')(json_column, key_column)) }}
{%- endmacro %}

{% macro default__usage_json_member_text(json_column, key_column) -%}
    ({{ json_column }}::json ->> {{ key_column }})
{%- endmacro %}

{% macro duckdb__usage_json_member_text(json_column, key_column) -%}
    json_extract_string({{ json_column }}, '$."' || {{ key_column }} || '"')
{%- endmacro %}


{#- floor(numerator / denominator) at 9 decimals, as DECIMAL(38, 9).
    numerator >= 0 with at most 9 decimals and below 1e20; denominator > 0. -#}
{% macro usage_floor_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('usage_floor_divide')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__usage_floor_divide(numerator, denominator) -%}
    cast(floor(cast({{ numerator }} as {{ dbt.type_numeric() }}) * 1000000000 / ({{ denominator }})) / 1000000000 as decimal(38, 9))
{%- endmacro %}

{% macro duckdb__usage_floor_divide(numerator, denominator) -%}
    (
        cast(
            (
                cast(cast({{ numerator }} as decimal(38, 9)) * 1000000000 as hugeint)
                * cast(1000000000 as hugeint)
            ) // cast(cast({{ denominator }} as decimal(38, 9)) * 1000000000 as hugeint)
            as decimal(38, 0)
        ) * cast('0.000000001' as decimal(38, 9))
    )
{%- endmacro %}


{#- Microseconds from start_at to end_at (both UTC timestamps), a whole number. -#}
{% macro usage_microseconds_between(start_at, end_at) -%}
    {{ return(adapter.dispatch('usage_microseconds_between')(start_at, end_at)) }}
{%- endmacro %}

{% macro default__usage_microseconds_between(start_at, end_at) -%}
    cast({{ dbt.datediff(start_at, end_at, 'microsecond') }} as bigint)
{%- endmacro %}


{#- The exact integral of a gauge `value` (DECIMAL, at most 9 decimals) held over
    `microseconds`, in nano-value-microseconds (value x 1e9 x microseconds), as a
    whole DECIMAL(38, 0). Sums of these stay exact. A 1,000,000 GB gauge held for
    a 31-day month is 2.7e27: far inside the 1e38 limit. -#}
{% macro usage_gauge_integral(value, microseconds) -%}
    {{ return(adapter.dispatch('usage_gauge_integral')(value, microseconds)) }}
{%- endmacro %}

{% macro default__usage_gauge_integral(value, microseconds) -%}
    cast(cast({{ value }} as decimal(38, 9)) * 1000000000 * ({{ microseconds }}) as decimal(38, 0))
{%- endmacro %}

{% macro duckdb__usage_gauge_integral(value, microseconds) -%}
    cast(
        cast(cast({{ value }} as decimal(38, 9)) * 1000000000 as hugeint) * cast({{ microseconds }} as hugeint)
        as decimal(38, 0)
    )
{%- endmacro %}


{#- A gauge integral (nano-value-microseconds, see usage_gauge_integral) as the
    metric's time-weighted quantity: integral in value-seconds / (unit_divisor x
    the whole period's seconds), e.g. GB-months (billing-rules.md, Plan changes
    and proration), truncated at 9 decimals, as DECIMAL(38, 9).
    nano-quantity = integral x 1e9 / (1e9 x 1e6 x unit_divisor x period_seconds)
                  = integral x 1e3 / (unit_divisor x 1e9 x period_seconds). -#}
{% macro usage_integral_to_quantity(integral, unit_divisor, period_seconds) -%}
    {{ return(adapter.dispatch('usage_integral_to_quantity')(integral, unit_divisor, period_seconds)) }}
{%- endmacro %}

{% macro default__usage_integral_to_quantity(integral, unit_divisor, period_seconds) -%}
    cast(
        floor(cast({{ integral }} as {{ dbt.type_numeric() }}) * 1000 / (cast({{ unit_divisor }} as {{ dbt.type_numeric() }}) * 1000000000 * ({{ period_seconds }})))
        / 1000000000 as decimal(38, 9)
    )
{%- endmacro %}

{% macro duckdb__usage_integral_to_quantity(integral, unit_divisor, period_seconds) -%}
    (
        cast(
            (cast({{ integral }} as hugeint) * cast(1000 as hugeint))
            // (
                cast(cast({{ unit_divisor }} as decimal(38, 9)) * 1000000000 as hugeint)
                * cast({{ period_seconds }} as hugeint)
            )
            as decimal(38, 0)
        ) * cast('0.000000001' as decimal(38, 9))
    )
{%- endmacro %}


{#- A gauge integral (nano-value-microseconds) in value-seconds (GB-seconds),
    truncated at 9 decimals: for drill-down only, never summed into quantities. -#}
{% macro usage_integral_to_value_seconds(integral) -%}
    {{ return(adapter.dispatch('usage_integral_to_value_seconds')(integral)) }}
{%- endmacro %}

{% macro default__usage_integral_to_value_seconds(integral) -%}
    cast(floor(cast({{ integral }} as {{ dbt.type_numeric() }}) / 1000000) / 1000000000 as decimal(38, 9))
{%- endmacro %}

{% macro duckdb__usage_integral_to_value_seconds(integral) -%}
    (
        cast(cast({{ integral }} as hugeint) // cast(1000000 as hugeint) as decimal(38, 0))
        * cast('0.000000001' as decimal(38, 9))
    )
{%- endmacro %}
