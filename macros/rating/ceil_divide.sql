{#- The number of started blocks: ceil(numerator / denominator) on DECIMALs, exact.
    Only for numerator >= 0 and denominator > 0 (package counting). -#}
{% macro ceil_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('ceil_divide')(numerator, denominator)) }}
{%- endmacro %}

{#- Postgres (numeric) divides DECIMALs exactly enough for ceil; Spark has its own version
    (macros/spark/spark_usage.sql). -#}
{% macro default__ceil_divide(numerator, denominator) -%}
    ceil({{ numerator }} / {{ denominator }})
{%- endmacro %}

{#- DuckDB divides DECIMALs as DOUBLE (1.1 / 0.1 = 11.000000000000002, whose ceil is 12),
    so divide whole nano-units as 128-bit integers: ceil(a / b) = (a + b - 1) // b.
    Exact for values below 1e20 units at 9 decimals. -#}
{% macro duckdb__ceil_divide(numerator, denominator) -%}
    cast(
        (
            cast(cast({{ numerator }} as decimal(38, 9)) * 1000000000 as hugeint)
            + cast(cast({{ denominator }} as decimal(38, 9)) * 1000000000 as hugeint)
            - 1
        ) // cast(cast({{ denominator }} as decimal(38, 9)) * 1000000000 as hugeint)
        as decimal(38, 9)
    )
{%- endmacro %}
