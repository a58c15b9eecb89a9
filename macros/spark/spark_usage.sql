{#- Spark implementations of the usage arithmetic (macros/usage/usage_arithmetic.sql). -#}

{#- A member named by a column: variant paths must be constants in Spark, JSON paths
    need not be, so the VARIANT is read as JSON text. -#}
{% macro spark__usage_json_member_text(json_column, key_column) -%}
    get_json_object(to_json({{ json_column }}), concat('$[\'', {{ key_column }}, '\']'))
{%- endmacro %}

{#- floor(numerator / denominator) at 9 decimals, exactly: in nano-units the quotient is
    floor(a / b) with a = numerator x 1e18 and b = denominator x 1e9, whole numbers
    below 1e38. Spark has no wide integer, and `div` returns a 64-bit one, so the
    remainder is taken off first: (a - a % b) / b is a whole decimal, divided exactly. -#}
{% macro spark__usage_floor_divide(numerator, denominator) -%}
    {%- set a -%}cast(cast(cast({{ numerator }} as decimal(38, 9)) * 1000000000 as decimal(38, 0)) * 1000000000 as decimal(38, 0)){%- endset -%}
    {%- set b -%}cast(cast({{ denominator }} as decimal(38, 9)) * 1000000000 as decimal(38, 0)){%- endset -%}
    cast(cast(({{ a }} - {{ a }} % {{ b }}) / {{ b }} as decimal(38, 0)) * cast('0.000000001' as decimal(38, 9)) as decimal(38, 9))
{%- endmacro %}
