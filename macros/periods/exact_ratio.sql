{#- amount x numerator / denominator as DECIMAL(38, 18), truncated toward zero at the
    18th decimal, never through floating point.
    `amount` must have at most 4 decimals (money and shares here are DECIMAL(18, 4)
    or whole numbers) and must not be negative; numerator and denominator are
    non-negative whole numbers (seconds), denominator > 0.
    Truncating at 1e-18 cannot move a later half-up rounding to minor units: an
    exact half (x.xx5) is representable and kept, anything else stays on its side.
    DuckDB divides DECIMALs as DOUBLE, so its version scales to integers first. -#}
{% macro exact_ratio(amount, numerator, denominator) -%}
    {{ return(adapter.dispatch('exact_ratio')(amount, numerator, denominator)) }}
{%- endmacro %}

{% macro default__exact_ratio(amount, numerator, denominator) -%}
    cast(cast({{ amount }} as {{ dbt.type_numeric() }}) * ({{ numerator }}) / ({{ denominator }}) as decimal(38, 18))
{%- endmacro %}

{% macro duckdb__exact_ratio(amount, numerator, denominator) -%}
    (
        cast(
            (
                cast(cast({{ amount }} as decimal(38, 4)) * cast({{ numerator }} as bigint) * 10000 as hugeint)
                * cast(100000000000000 as hugeint)
            ) // cast({{ denominator }} as hugeint)
            as decimal(38, 0)
        ) * cast('0.000000000000000001' as decimal(38, 18))
    )
{%- endmacro %}
